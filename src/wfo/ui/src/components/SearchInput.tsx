/** The search box above a list page's table. */
import { Flex, Input, Spinner } from "@chakra-ui/react";

export interface SearchInputProps {
  testId: string;
  placeholder: string;
  value: string;
  onChange: (value: string) => void;
}

export function SearchInput({ testId, placeholder, value, onChange }: SearchInputProps) {
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

/** The row above a list: the search box, and a small spinner while a new search result loads. */
export function SearchBar({ refreshing = false, ...input }: SearchInputProps & { refreshing?: boolean }) {
  return (
    <Flex align="center" gap={3} mb={3}>
      <SearchInput {...input} />
      {refreshing ? <Spinner size="sm" /> : null}
    </Flex>
  );
}
