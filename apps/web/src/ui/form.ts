import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { QueryKey } from '@tanstack/react-query';
import type { FormErrors, UseFormReturnType } from '@mantine/form';
import { ApiError, errorMessage } from '../api/client.ts';
import { notifySuccess } from './notify.ts';

/** What this module needs of a zod schema; every schema of `@trunkline/contracts` fits. */
export type SafeParser = {
  safeParse(data: unknown):
    | { success: true }
    | {
        success: false;
        error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> };
      };
};

/** Runs the schema on a request body and keys each issue's message by its dotted path (first message wins). */
export function zodErrors(schema: SafeParser, body: unknown): FormErrors {
  const result = schema.safeParse(body);
  if (result.success) return {};
  const errors: FormErrors = {};
  for (const issue of result.error.issues) {
    errors[issue.path.map(String).join('.')] ??= issue.message;
  }
  return errors;
}

/**
 * A Mantine form `validate` function from a contracts schema, so the browser checks exactly what the server checks.
 * `toBody` turns the form's values into the request body the schema describes.
 */
export function zodValidate<Values>(
  schema: SafeParser,
  toBody: (values: Values) => unknown = (values) => values,
) {
  return (values: Values): FormErrors => zodErrors(schema, toBody(values));
}

export type ChangeOptions<Result> = {
  /** Cached collections the change makes stale. */
  invalidate?: readonly QueryKey[];
  /** The success toast; none when left out. */
  successMessage?: (result: Result) => string;
  onSuccess: (result: Result) => void;
};

/** After a change: refresh what it made stale, say it worked, go on (usually: close the modal). */
export function useChangeDone<Result>({ invalidate = [], successMessage, onSuccess }: ChangeOptions<Result>) {
  const queryClient = useQueryClient();
  return (result: Result) => {
    for (const queryKey of invalidate) void queryClient.invalidateQueries({ queryKey });
    if (successMessage) notifySuccess(successMessage(result));
    onSuccess(result);
  };
}

/**
 * A mutation behind a form: the server's field errors (422 validation, 409 conflict) land beside the fields,
 * and `alert` holds the message for anything no field shows.
 */
export function useFormMutation<Values extends object, Body, Result>(
  form: UseFormReturnType<Values>,
  options: ChangeOptions<Result> & { mutationFn: (body: Body) => Promise<Result> },
) {
  const mutation = useMutation({
    mutationFn: options.mutationFn,
    onSuccess: useChangeDone(options),
    onError: (error) => {
      if (error instanceof ApiError) form.setErrors(error.fieldErrors);
    },
  });
  return { ...mutation, alert: formAlert(mutation.error, Object.keys(form.values)) };
}

function formAlert(error: unknown, fields: readonly string[]): string | null {
  if (!error) return null;
  if (error instanceof ApiError) {
    const paths = Object.keys(error.fieldErrors);
    // A field error shows beside its field (nested paths such as `notificationApp.clientId` included).
    if (paths.length > 0 && paths.every((path) => fields.includes(path.split('.')[0]!))) return null;
  }
  return errorMessage(error);
}
