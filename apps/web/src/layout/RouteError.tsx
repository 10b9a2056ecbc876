import { isRouteErrorResponse, useRouteError } from 'react-router-dom';
import { FullPageError } from '../ui/FullPage.tsx';

/** Last resort for an error thrown while rendering a page. */
export function RouteError() {
  const error = useRouteError();
  const shown = isRouteErrorResponse(error) ? new Error(`${error.status} ${error.statusText}`) : error;
  return <FullPageError error={shown} onRetry={() => window.location.reload()} />;
}
