import { Anchor } from '@mantine/core';
import { Link } from 'react-router-dom';
import { PlaceholderPage } from '../ui/PlaceholderPage.tsx';

export function NotFoundPage() {
  return (
    <PlaceholderPage title="Page not found">
      There is no page at this address.{' '}
      <Anchor component={Link} to="/">
        Go to the start page
      </Anchor>
      .
    </PlaceholderPage>
  );
}
