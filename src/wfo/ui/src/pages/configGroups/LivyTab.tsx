/**
 * Livy tab: the endpoints the sparkmagic kernels (Python, Scala) use. Passwords are write-only: the
 * field stays empty ("unchanged") unless the user types a new one or clears the stored one.
 */
import { Badge, Box, Button, Card, Field, HStack, Input, NativeSelect, SimpleGrid, Spinner, Text } from "@chakra-ui/react";
import { useState, type FormEvent } from "react";

import {
  configGroups,
  LIVY_AUTH,
  type LivyAuth,
  type LivyConfig,
} from "../../api/configGroups";
import { ActionOutcome } from "../../components/ActionOutcome";
import { ErrorAlert } from "../../components/ErrorAlert";
import { formError, keyedErrors, type KeyedErrors } from "../../errors";
import { useAction } from "../../hooks/useAction";
import { useAsync } from "../../hooks/useAsync";
import { can, useCurrentUser } from "../../hooks/useMe";
import { RESOURCES } from "../../nav";
import { draftOf, endpointUpdate, type EndpointDraft } from "./livyForm";
import { useGroupChanged } from "./groupChanged";
import { SectionHeading } from "./SectionHeading";

type Kernel = "python" | "scala";
const KERNELS: readonly Kernel[] = ["python", "scala"];
const FIELDS = ["url", "auth", "username", "password"] as const;
/** The server names refused fields `<kernel>.<field>`. */
const FIELD_KEYS = KERNELS.flatMap((kernel) => FIELDS.map((field) => `${kernel}.${field}`));

function FieldError({ errors, name }: { errors: KeyedErrors | null; name: string }) {
  const messages = errors?.byKey[name];
  return messages === undefined ? null : (
    <Field.ErrorText data-testid={`livy-${name.replace(".", "-")}-error`}>{messages.join(" ")}</Field.ErrorText>
  );
}

function EndpointFields({
  kernel,
  draft,
  disabled,
  errors,
  onChange,
}: {
  kernel: Kernel;
  draft: EndpointDraft;
  disabled: boolean;
  errors: KeyedErrors | null;
  onChange: (draft: EndpointDraft) => void;
}) {
  const id = `livy-${kernel}`;
  const invalid = (field: string) => errors?.byKey[`${kernel}.${field}`] !== undefined;
  return (
    <Card.Root data-testid={`${id}-section`} size="sm" variant="outline">
      <Card.Header>
        <Card.Title fontFamily="mono">{`kernel_${kernel}_credentials`}</Card.Title>
      </Card.Header>
      <Card.Body gap={3}>
        <Field.Root disabled={disabled} invalid={invalid("url")}>
          <Field.Label>url</Field.Label>
          <Input
            data-testid={`${id}-url`}
            disabled={disabled}
            onChange={(event) => onChange({ ...draft, url: event.target.value })}
            placeholder="http://livy.example.com:8998"
            size="sm"
            value={draft.url}
          />
          <FieldError errors={errors} name={`${kernel}.url`} />
        </Field.Root>
        <Field.Root disabled={disabled} invalid={invalid("auth")}>
          <Field.Label>auth</Field.Label>
          <NativeSelect.Root disabled={disabled} size="sm">
            <NativeSelect.Field
              data-testid={`${id}-auth`}
              onChange={(event) => onChange({ ...draft, auth: event.target.value as LivyAuth })}
              value={draft.auth}
            >
              {LIVY_AUTH.map((auth) => (
                <option key={auth} value={auth}>
                  {auth}
                </option>
              ))}
            </NativeSelect.Field>
            <NativeSelect.Indicator />
          </NativeSelect.Root>
          <Field.HelperText>
            {draft.auth === "Kerberos"
              ? "Uses this group's Kerberos principal, keytab and krb5.conf."
              : "Username and password are needed only for Basic_Access."}
          </Field.HelperText>
          <FieldError errors={errors} name={`${kernel}.auth`} />
        </Field.Root>
        <Field.Root disabled={disabled} invalid={invalid("username")}>
          <Field.Label>username</Field.Label>
          <Input
            autoComplete="off"
            data-testid={`${id}-username`}
            disabled={disabled}
            onChange={(event) => onChange({ ...draft, username: event.target.value })}
            size="sm"
            value={draft.username}
          />
          <FieldError errors={errors} name={`${kernel}.username`} />
        </Field.Root>
        <Field.Root disabled={disabled} invalid={invalid("password")}>
          <Field.Label>
            password
            {draft.passwordSet && !draft.clear ? (
              <Badge data-testid={`${id}-password-status`} ml={2} size="sm" variant="outline">
                set
              </Badge>
            ) : null}
            {draft.clear ? (
              <Badge colorPalette="orange" data-testid={`${id}-password-status`} ml={2} size="sm">
                will be cleared
              </Badge>
            ) : null}
          </Field.Label>
          <HStack gap={2} width="100%">
            <Input
              autoComplete="new-password"
              data-testid={`${id}-password`}
              disabled={disabled}
              onChange={(event) => onChange({ ...draft, clear: false, password: event.target.value })}
              placeholder={draft.passwordSet && !draft.clear ? "unchanged" : ""}
              size="sm"
              type="password"
              value={draft.password}
            />
            {draft.passwordSet && !disabled ? (
              <Button
                data-testid={`${id}-clear-password`}
                onClick={() => onChange({ ...draft, clear: !draft.clear, password: "" })}
                size="sm"
                variant="outline"
              >
                {draft.clear ? "Keep password" : "Clear password"}
              </Button>
            ) : null}
          </HStack>
          {draft.passwordSet && !draft.clear ? (
            <Field.HelperText>Kept while the URL points at the same server; another host, port or scheme needs it again.</Field.HelperText>
          ) : null}
          <FieldError errors={errors} name={`${kernel}.password`} />
        </Field.Root>
      </Card.Body>
    </Card.Root>
  );
}

export function LivyTab({ group }: { group: string }) {
  const me = useCurrentUser();
  const canEdit = can(me, RESOURCES.configGroups, "can_edit");
  const [drafts, setDrafts] = useState<Record<Kernel, EndpointDraft> | null>(null);
  const save = useAction();
  const changed = useGroupChanged();
  const errors = save.cause === null ? null : keyedErrors(save.cause, FIELD_KEYS);

  const show = (config: LivyConfig) => setDrafts({ python: draftOf(config.python), scala: draftOf(config.scala) });
  const loaded = useAsync((signal) => configGroups().livy(group, signal), [group], show);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (drafts === null) {
      return;
    }
    void save.run(async () => {
      show(
        await configGroups().saveLivy(group, {
          python: endpointUpdate(drafts.python),
          scala: endpointUpdate(drafts.scala),
        }),
      );
      changed();
      return "Livy configuration saved.";
    });
  };

  return (
    <>
      <SectionHeading
        hint="Livy endpoints for remote Spark from Jupyter (sparkmagic kernels). The default group's settings are the ones the notebooks use."
        title="Livy configuration"
      />
      <ActionOutcome done={save.done} error={formError(errors)} testId="livy" />
      {loaded.status === "error" ? <ErrorAlert error={loaded.error} onRetry={loaded.reload} testId="livy-load-error" /> : null}
      {drafts === null ? (
        loaded.status === "loading" ? <Spinner data-testid="livy-loading" /> : null
      ) : (
        <Box as="form" onSubmit={submit}>
          <SimpleGrid columns={{ base: 1, lg: 2 }} gap={4} maxW="64rem">
            {KERNELS.map((kernel) => (
              <EndpointFields
                disabled={!canEdit}
                draft={drafts[kernel]}
                errors={errors}
                key={kernel}
                kernel={kernel}
                onChange={(draft) => {
                  save.clear();
                  setDrafts({ ...drafts, [kernel]: draft });
                }}
              />
            ))}
          </SimpleGrid>
          {canEdit ? (
            <Button colorPalette="brand" data-testid="livy-save" loading={save.busy} mt={4} size="sm" type="submit">
              Save changes
            </Button>
          ) : (
            <Text color="fg.muted" data-testid="livy-readonly" fontSize="sm" mt={3}>
              You can view these settings; changing them needs edit rights on config groups.
            </Text>
          )}
        </Box>
      )}
    </>
  );
}
