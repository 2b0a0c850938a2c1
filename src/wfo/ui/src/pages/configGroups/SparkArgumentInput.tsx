/** The input fitting a spark-submit argument's kind: text, memory ("e.g. 2g"), integer, a choice, a multi-select. */
import { chakra, Input, NativeSelect, Text } from "@chakra-ui/react";

import type { KnownSparkArgument } from "../../api/configGroups";
import { isMultiSelect } from "./sparkForm";

const MultiSelect = chakra("select");

export function Select({
  testId,
  value,
  options,
  disabled,
  onChange,
  placeholder,
}: {
  testId: string;
  value: string;
  options: string[];
  disabled: boolean;
  onChange: (value: string) => void;
  placeholder?: string;
}) {
  // Keep a stored value selectable even if it is no longer offered.
  const all = value !== "" && !options.includes(value) ? [value, ...options] : options;
  return (
    <NativeSelect.Root disabled={disabled} size="sm">
      <NativeSelect.Field data-testid={testId} onChange={(event) => onChange(event.target.value)} value={value}>
        {placeholder === undefined ? null : <option value="">{placeholder}</option>}
        {all.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </NativeSelect.Field>
      <NativeSelect.Indicator />
    </NativeSelect.Root>
  );
}

export function ArgumentInput({
  name,
  known,
  choices,
  value,
  disabled,
  onChange,
}: {
  name: string;
  known: KnownSparkArgument | undefined;
  choices: Record<string, string[]>;
  value: string | string[];
  disabled: boolean;
  onChange: (value: string | string[]) => void;
}) {
  const testId = `spark-arg-value-${name}`;
  if (Array.isArray(value) || isMultiSelect(known, choices)) {
    const selected = Array.isArray(value) ? value : [];
    const options = [...new Set([...selected, ...(choices[name] ?? [])])];
    if (options.length === 0) {
      return (
        <Text color="fg.muted" data-testid={`${testId}-none`} fontSize="sm">
          Nothing to choose from yet: upload files on the Spark dependencies page.
        </Text>
      );
    }
    return (
      <>
        <MultiSelect
          bg="bg"
          borderColor="border"
          borderRadius="l2"
          borderWidth="1px"
          data-testid={testId}
          disabled={disabled}
          fontSize="sm"
          minH="5rem"
          multiple
          onChange={(event) => onChange(Array.from(event.target.selectedOptions, (option) => option.value))}
          px={1}
          py={1}
          htmlSize={Math.min(6, Math.max(3, options.length))}
          value={selected}
          width="100%"
        >
          {options.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </MultiSelect>
        <Text color="fg.muted" fontSize="xs">
          Ctrl/⌘-click to choose several.
        </Text>
      </>
    );
  }
  const offered = choices[name] ?? (known?.kind === "choice" ? (known.choices ?? []) : undefined);
  if (offered !== undefined) {
    return (
      <Select
        disabled={disabled}
        onChange={onChange}
        options={offered}
        placeholder={known?.kind === "choice" ? undefined : `Choose a ${name}`}
        testId={testId}
        value={value}
      />
    );
  }
  const hint =
    known?.kind === "memory" ? "e.g. 2g" : known?.kind === "integer" ? "a whole number" : known?.kind === "list" ? "comma-separated" : undefined;
  return (
    <>
      <Input
        data-testid={testId}
        disabled={disabled}
        fontFamily="mono"
        inputMode={known?.kind === "integer" ? "numeric" : undefined}
        onChange={(event) => onChange(event.target.value)}
        placeholder={hint}
        size="sm"
        value={value}
      />
      {hint === undefined ? null : (
        <Text color="fg.muted" data-testid={`spark-arg-hint-${name}`} fontSize="xs">
          {hint}
        </Text>
      )}
    </>
  );
}
