/**
 * LDAP configuration (the manual's Admin → LDAP Configuration): the login type (wfo's own users, or LDAP
 * first and then local passwords), FAB's AUTH_LDAP_* settings, group → role mapping, and a connection test.
 * Saving LDAP settings whose test fails needs "save anyway"; a save restarts only the api-server.
 */
import { Badge, Box, Button, Card, Checkbox, Field, Heading, HStack, Input, NativeSelect, SimpleGrid, Spinner, Stack, Text, Textarea } from "@chakra-ui/react";
import { useState, type FormEvent, type ReactNode } from "react";

import { ldap, type LdapSaveResult, type LdapSettings, type LdapTestResult } from "../api/ldap";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { useAsync } from "../hooks/useAsync";
import { formatTime } from "../time";
import { bodyOf, draftOf, type Draft, type Flag, type TextField } from "./ldapForm";

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box borderTopWidth="1px" mt={5} pt={3}>
      <Heading as="h3" mb={3} size="sm">
        {title}
      </Heading>
      {children}
    </Box>
  );
}

function TextInput({
  draft,
  name,
  label,
  help,
  placeholder,
  onChange,
}: {
  draft: Draft;
  name: TextField;
  label: string;
  help?: string;
  placeholder?: string;
  onChange: (draft: Draft) => void;
}) {
  return (
    <Field.Root>
      <Field.Label>{label}</Field.Label>
      <Input
        data-testid={`ldap-${name}`}
        onChange={(event) => onChange({ ...draft, text: { ...draft.text, [name]: event.target.value } })}
        placeholder={placeholder}
        size="sm"
        value={draft.text[name]}
      />
      {help ? <Field.HelperText>{help}</Field.HelperText> : null}
    </Field.Root>
  );
}

function FlagInput({ draft, name, label, onChange }: { draft: Draft; name: Flag; label: string; onChange: (draft: Draft) => void }) {
  return (
    <Checkbox.Root
      checked={draft.flags[name]}
      onCheckedChange={(change) => onChange({ ...draft, flags: { ...draft.flags, [name]: change.checked === true } })}
      size="sm"
    >
      <Checkbox.HiddenInput />
      <Checkbox.Control data-testid={`ldap-${name}`} />
      <Checkbox.Label>{label}</Checkbox.Label>
    </Checkbox.Root>
  );
}

function TestResult({ result }: { result: LdapTestResult }) {
  return (
    <Card.Root data-testid="ldap-test-result" mt={3} variant="outline">
      <Card.Body gap={2}>
        <HStack>
          <Badge colorPalette={result.ok ? "green" : "red"} data-testid="ldap-test-outcome">
            {result.ok ? "OK" : "failed"}
          </Badge>
          <Text data-testid="ldap-test-message">{result.message}</Text>
        </HStack>
        <Stack as="ul" fontSize="sm" gap={0} pl={4}>
          {result.steps.map((step, index) => (
            <li key={`${step.name}-${index}`}>
              {step.ok ? "✓" : "✗"} {step.name}: {step.message}
            </li>
          ))}
        </Stack>
        {(result.groups ?? []).length > 0 ? (
          <Box fontSize="sm">
            <Text fontWeight="semibold">Groups (map them below exactly as written here)</Text>
            {(result.groups ?? []).map((group) => (
              <Text data-testid="ldap-test-group" fontFamily="mono" key={group}>
                {group}
              </Text>
            ))}
          </Box>
        ) : null}
        {result.ok && result.user_dn ? (
          <Text data-testid="ldap-test-roles" fontSize="sm">
            Roles at login: {(result.roles ?? []).join(", ") || "none"}
          </Text>
        ) : null}
      </Card.Body>
    </Card.Root>
  );
}

function LdapForm({ settings, onSaved }: { settings: LdapSettings; onSaved: (result: LdapSaveResult) => void }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(settings));
  const [testUser, setTestUser] = useState("");
  const [testPassword, setTestPassword] = useState("");
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<LdapTestResult | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [force, setForce] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const ldapOn = draft.auth_type === "ldap";

  const change = (next: Draft) => {
    setDraft(next);
    setSaved(null);
    setError(null);
  };

  const runTest = async () => {
    setTesting(true);
    setError(null);
    setResult(null);
    try {
      const body = { settings: bodyOf(draft), username: testUser.trim(), password: testPassword === "" ? null : testPassword };
      setResult(await ldap().test(body));
    } catch (caught: unknown) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setTesting(false);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(null);
    setSaved(null);
    try {
      const answer = await ldap().save(bodyOf(draft, force));
      setDraft({ ...draftOf(answer.settings), password: "" });
      setForce(false);
      setSaved(
        answer.api_server_restart
          ? "Saved. The api-server is restarting to apply it (the other components keep running); log in again in a minute."
          : "Saved (nothing the login uses changed).",
      );
      onSaved(answer);
    } catch (caught: unknown) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Box as="form" onSubmit={(event: FormEvent) => void submit(event)}>
      {settings.webserver_config_linked ? null : (
        <Card.Root data-testid="ldap-unlinked" mb={3} variant="subtle">
          <Card.Body>
            <Text>
              This instance&apos;s webserver_config.py was edited and no longer loads these settings: LDAP cannot be
              switched on here (see docs/ldap.md).
            </Text>
          </Card.Body>
        </Card.Root>
      )}
      <Field.Root maxW="24rem">
        <Field.Label>Login</Field.Label>
        <NativeSelect.Root size="sm">
          <NativeSelect.Field
            data-testid="ldap-auth-type"
            onChange={(event) => change({ ...draft, auth_type: event.target.value === "ldap" ? "ldap" : "db" })}
            value={draft.auth_type}
          >
            <option value="db">wfo&apos;s own users (DB)</option>
            <option value="ldap">LDAP, then local passwords</option>
          </NativeSelect.Field>
          <NativeSelect.Indicator />
        </NativeSelect.Root>
        <Field.HelperText>
          With LDAP, local accounts (the admin wfo up created) keep logging in with their own password.
        </Field.HelperText>
      </Field.Root>

      <Section title="Server">
        <SimpleGrid columns={{ base: 1, md: 2 }} gap={3}>
          <TextInput draft={draft} help="ldap://host:389 or ldaps://host:636" label="Server (AUTH_LDAP_SERVER)" name="server" onChange={change} placeholder="ldaps://ldap.example.org:636" />
          <Stack gap={2} justify="center">
            <FlagInput draft={draft} label="StartTLS (AUTH_LDAP_USE_TLS)" name="use_starttls" onChange={change} />
            <FlagInput draft={draft} label="Demand a valid certificate (AUTH_LDAP_TLS_DEMAND)" name="tls_demand_certificate" onChange={change} />
          </Stack>
        </SimpleGrid>
        <Field.Root mt={3}>
          <Field.Label>CA certificate, PEM (AUTH_LDAP_TLS_CACERTFILE)</Field.Label>
          <Textarea
            data-testid="ldap-tls_ca_certificate"
            fontFamily="mono"
            fontSize="xs"
            onChange={(event) => change({ ...draft, text: { ...draft.text, tls_ca_certificate: event.target.value } })}
            placeholder="-----BEGIN CERTIFICATE-----"
            rows={4}
            value={draft.text.tls_ca_certificate}
          />
          <Field.HelperText>Empty: the system&apos;s CAs.</Field.HelperText>
        </Field.Root>
      </Section>

      <Section title="Bind and search">
        <SimpleGrid columns={{ base: 1, md: 2 }} gap={3}>
          <TextInput draft={draft} label="Bind user (AUTH_LDAP_BIND_USER)" name="bind_user" onChange={change} placeholder="cn=wfo,ou=services,dc=example,dc=org" />
          <Field.Root>
            <Field.Label>
              Bind password (AUTH_LDAP_BIND_PASSWORD)
              {settings.bind_password_set ? (
                <Badge data-testid="ldap-password-status" ml={2} size="sm" variant="outline">
                  stored
                </Badge>
              ) : null}
            </Field.Label>
            <Input
              autoComplete="new-password"
              data-testid="ldap-bind-password"
              onChange={(event) => change({ ...draft, password: event.target.value })}
              placeholder={settings.bind_password_set ? "unchanged" : ""}
              size="sm"
              type="password"
              value={draft.password}
            />
            <Field.HelperText>Write-only: stored encrypted, never shown again.</Field.HelperText>
          </Field.Root>
          <TextInput draft={draft} label="Search base (AUTH_LDAP_SEARCH)" name="search_base" onChange={change} placeholder="ou=people,dc=example,dc=org" />
          <TextInput draft={draft} label="Search filter (AUTH_LDAP_SEARCH_FILTER)" name="search_filter" onChange={change} placeholder="(objectClass=inetOrgPerson)" />
          <TextInput draft={draft} label="UID field (AUTH_LDAP_UID_FIELD)" name="uid_field" onChange={change} />
          <TextInput draft={draft} label="Group field (AUTH_LDAP_GROUP_FIELD)" name="group_field" onChange={change} />
          <TextInput draft={draft} label="First name field" name="firstname_field" onChange={change} />
          <TextInput draft={draft} label="Last name field" name="lastname_field" onChange={change} />
          <TextInput draft={draft} label="E-mail field" name="email_field" onChange={change} />
          <TextInput draft={draft} help="Without a bind user: user@domain is bound" label="Append domain (AUTH_LDAP_APPEND_DOMAIN)" name="append_domain" onChange={change} />
          <TextInput draft={draft} help="Without a bind user, e.g. uid=%s,ou=people,dc=example,dc=org" label="Username format (AUTH_LDAP_USERNAME_FORMAT)" name="username_format" onChange={change} />
        </SimpleGrid>
      </Section>

      <Section title="Roles">
        <Stack gap={2}>
          <FlagInput draft={draft} label="Create an account at an LDAP user's first login (AUTH_USER_REGISTRATION)" name="user_registration" onChange={change} />
          <FlagInput draft={draft} label="Recompute roles from the groups at every login (AUTH_ROLES_SYNC_AT_LOGIN)" name="roles_sync_at_login" onChange={change} />
          <Box maxW="20rem">
            <TextInput draft={draft} help="Every LDAP user gets it" label="Default role (AUTH_USER_REGISTRATION_ROLE)" name="user_registration_role" onChange={change} />
          </Box>
        </Stack>
        <Text fontWeight="semibold" mt={3}>
          Group → roles (AUTH_ROLES_MAPPING)
        </Text>
        {draft.mapping.map((row, index) => (
          <HStack key={index} mt={2}>
            <Input
              data-testid={`ldap-mapping-group-${index}`}
              onChange={(event) => change({ ...draft, mapping: draft.mapping.map((r, i) => (i === index ? { ...r, group: event.target.value } : r)) })}
              placeholder="cn=wfo-admins,ou=groups,dc=example,dc=org"
              size="sm"
              value={row.group}
            />
            <Input
              data-testid={`ldap-mapping-roles-${index}`}
              maxW="16rem"
              onChange={(event) => change({ ...draft, mapping: draft.mapping.map((r, i) => (i === index ? { ...r, roles: event.target.value } : r)) })}
              placeholder="Admin, Op"
              size="sm"
              value={row.roles}
            />
            <Button onClick={() => change({ ...draft, mapping: draft.mapping.filter((_, i) => i !== index) })} size="sm" variant="outline">
              Remove
            </Button>
          </HStack>
        ))}
        <Button data-testid="ldap-mapping-add" mt={2} onClick={() => change({ ...draft, mapping: [...draft.mapping, { group: "", roles: "" }] })} size="sm" variant="outline">
          Add a group
        </Button>
      </Section>

      <Section title="Test connection">
        <HStack align="flex-end" gap={3} wrap="wrap">
          <Field.Root maxW="16rem">
            <Field.Label>User to find (optional)</Field.Label>
            <Input data-testid="ldap-test-username" onChange={(event) => setTestUser(event.target.value)} size="sm" value={testUser} />
          </Field.Root>
          <Field.Root maxW="16rem">
            <Field.Label>Their password (optional)</Field.Label>
            <Input autoComplete="off" data-testid="ldap-test-password" onChange={(event) => setTestPassword(event.target.value)} size="sm" type="password" value={testPassword} />
          </Field.Root>
          <Button data-testid="ldap-test" loading={testing} onClick={() => void runTest()} size="sm" variant="outline">
            Test connection
          </Button>
        </HStack>
        {result === null ? null : <TestResult result={result} />}
      </Section>

      <Box borderTopWidth="1px" mt={5} pt={3}>
        {error === null ? null : (
          <Text color="fg.error" data-testid="ldap-error" mb={2}>
            {error}
          </Text>
        )}
        <HStack gap={3}>
          <Button colorPalette="brand" data-testid="ldap-save" loading={saving} size="sm" type="submit">
            Save
          </Button>
          {ldapOn ? (
            <Checkbox.Root checked={force} onCheckedChange={(change) => setForce(change.checked === true)} size="sm">
              <Checkbox.HiddenInput />
              <Checkbox.Control data-testid="ldap-force" />
              <Checkbox.Label>Save even if the connection test fails</Checkbox.Label>
            </Checkbox.Root>
          ) : null}
          {saved === null ? null : (
            <Text color="fg.success" data-testid="ldap-saved" fontSize="sm">
              {saved}
            </Text>
          )}
        </HStack>
      </Box>
    </Box>
  );
}

export function LdapPage() {
  const loaded = useAsync((signal) => ldap().get(signal), []);
  const [override, setOverride] = useState<LdapSettings | null>(null);
  const settings = override ?? loaded.data;

  return (
    <>
      <PageHeader description="How users log in: wfo's own accounts, or LDAP with group → role mapping." title="LDAP configuration" />
      {loaded.status === "error" ? <ErrorAlert error={loaded.error} onRetry={loaded.reload} /> : null}
      {loaded.status === "loading" && settings === undefined ? <Spinner data-testid="ldap-loading" /> : null}
      {settings === undefined ? null : (
        <>
          {settings.updated_by !== null && settings.updated_by !== undefined ? (
            <Text color="fg.muted" fontSize="xs" mb={3}>
              Last changed by {settings.updated_by}
              {settings.updated_at ? ` on ${formatTime(settings.updated_at)}` : ""}
            </Text>
          ) : null}
          <LdapForm onSaved={(answer) => setOverride(answer.settings)} settings={settings} />
        </>
      )}
    </>
  );
}
