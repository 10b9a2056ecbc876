import { PlaceholderPage } from '../ui/PlaceholderPage.tsx';

export function ServicesPage() {
  return (
    <PlaceholderPage title="Services">
      The Direct Routing services of your customers will be listed here. The list arrives with the onboarding
      wizard.
    </PlaceholderPage>
  );
}
