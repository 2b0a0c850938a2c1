/** The search box above a list page's table. */
import { Input } from "@chakra-ui/react";

export function SearchInput({
  testId,
  placeholder,
  value,
  onChange,
}: {
  testId: string;
  placeholder: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <Input
      data-testid={testId}
      maxW="20rem"
      onChange={(event) => onChange(event.target.value)}
      placeholder={placeholder}
      size="sm"
      value={value}
    />
  );
}
