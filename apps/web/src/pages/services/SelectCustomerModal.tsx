import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { customers } from '../../api/customers.ts';
import { CustomerSelect } from '../../ui/EntitySelects.tsx';
import { FormModal } from '../../ui/FormModal.tsx';

/** Picks the customer a new Direct Routing service is for, then opens that customer's onboarding view. */
export function SelectCustomerModal({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const [chosen, setChosen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // With a single customer in scope (a customer admin), it is already chosen.
  const first = useQuery({
    queryKey: customers.listKey({ page: 1, pageSize: 2 }),
    queryFn: () => customers.list({ page: 1, pageSize: 2 }),
  });
  const only = first.data?.total === 1 ? (first.data.items[0]?.id ?? null) : null;
  const customerId = chosen ?? only;

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
        // Opening on focus would cover the Select button before the user has typed anything.
        openOnFocus={false}
        value={customerId}
        error={error}
        onChange={(value) => {
          setChosen(value);
          setError(null);
        }}
      />
    </FormModal>
  );
}
