import { PlaceholderPage } from '../ui/PlaceholderPage.tsx';

export function AuditPage() {
  return (
    <PlaceholderPage title="Audit">
      Who changed what, and when, will be listed here. The list arrives with the onboarding wizard.
    </PlaceholderPage>
  );
}
