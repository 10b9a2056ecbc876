import { Badge, Combobox, createTheme, PasswordInput } from '@mantine/core';

/** Defaults that keep every input findable by its label alone (Playwright `getByLabel`, screen readers). */
export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'sm',
  components: {
    // Mantine labels the eye button "Toggle password visibility", so `getByLabel('Password')` would match it too.
    PasswordInput: PasswordInput.extend({
      defaultProps: { visibilityToggleButtonProps: { 'aria-label': 'Show or hide the characters' } },
    }),
    // A closed select's option list stays in the page by default, labelled like its input; unmount it instead.
    Combobox: Combobox.extend({ defaultProps: { keepMounted: false } }),
    // In a crowded table a badge would shrink to an ellipsis ("AWAITING TO…"); its text is short, keep it whole.
    Badge: Badge.extend({ styles: { root: { minWidth: 'max-content' } } }),
  },
});
