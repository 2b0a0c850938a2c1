/** The audit log's action filter: every recorded action, plus areas that group several of them. */

/** Logins and logouts: the API matches `<area>.*` against every action of the area. */
export const LOGINS_FILTER = "session.*";

export interface ActionOption {
  label: string;
  value: string;
}

/** The choices of the action filter; a value from a bookmarked URL stays selectable. */
export function actionOptions(actions: string[], selected: string): ActionOption[] {
  const options: ActionOption[] = [
    { label: "Logins and logouts", value: LOGINS_FILTER },
    ...actions.map((action) => ({ label: action, value: action })),
  ];
  if (selected !== "" && !options.some((option) => option.value === selected)) {
    options.unshift({ label: selected, value: selected });
  }
  return options;
}
