// A labelled drop-down of choices, as every form here uses one.

export interface Choice {
  readonly value: string;
  readonly label: string;
}

interface SelectProps {
  readonly label: string;
  readonly value: string;
  readonly choices: readonly Choice[];
  readonly onChange: (value: string) => void;
  /** Shown as the only choice when there are none. */
  readonly none?: string;
  readonly required?: boolean;
}

export function Select({ label, value, choices, onChange, none, required = false }: SelectProps) {
  return (
    <label>
      {label}{' '}
      <select value={value} onChange={(event) => onChange(event.currentTarget.value)} required={required}>
        {choices.length === 0 && none !== undefined && <option value="">{none}</option>}
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Choices of things with an id and a name. */
export function choicesOf(items: readonly { readonly id: string; readonly name: string }[] | undefined): Choice[] {
  return (items ?? []).map((item) => ({ value: item.id, label: item.name }));
}
