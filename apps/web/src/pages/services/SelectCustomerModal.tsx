import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { CustomerSelect } from '../../ui/EntitySelects.tsx';
import { FormModal } from '../../ui/FormModal.tsx';

/** Picks the customer a new Direct Routing service is for, then opens that customer's onboarding view. */
export function SelectCustomerModal({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const [customerId, setCustomerId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  return (
    <FormModal
      title="Select customer"
      submitLabel="Select"
      onClose={onClose}
      onSubmit={(event) => {
        event?.preventDefault();
        if (!customerId) {
          setError('Choose a customer.');
          return;
        }
        void navigate(`/onboarding/${encodeURIComponent(customerId)}`);
      }}
      submitting={false}
      alert={null}
    >
      <CustomerSelect
        label="Customer"
        placeholder="Search customers"
        data-autofocus
        value={customerId}
        error={error}
        onChange={(value) => {
          setCustomerId(value);
          setError(null);
        }}
      />
    </FormModal>
  );
}
