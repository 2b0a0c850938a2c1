/**
 * Git for the user's notebook folder: the configuration (remote, branch, author, a write-only token or SSH
 * key) and the actions (status with notebook-aware diffs, commit of selected files, pull, push, log).
 */
import { Badge, Box, Button, Card, Checkbox, Field, HStack, Input, Stack, Table, Text, Textarea } from "@chakra-ui/react";
import { useState, type FormEvent } from "react";

import { notebooks, type GitConfig, type GitFileDiff } from "../../api/notebooks";
import { ActionOutcome } from "../../components/ActionOutcome";
import { ErrorAlert } from "../../components/ErrorAlert";
import { useAction } from "../../hooks/useAction";
import { useAsync } from "../../hooks/useAsync";
import { formatTime } from "../../time";

function DiffView({ files }: { files: GitFileDiff[] }) {
  return (
    <Stack data-testid="git-diff" gap={2}>
      {files.map((file) => (
        <Box key={file.path}>
          <Text fontSize="sm" fontWeight="semibold">
            {file.path} <Badge>{file.kind}</Badge>
          </Text>
          <Box as="pre" bg="bg.muted" fontSize="xs" maxH="24rem" overflow="auto" p={2} whiteSpace="pre-wrap">
            {file.diff.split("\n").map((line, index) => (
              <Text as="span" color={line.startsWith("+") ? "green.fg" : line.startsWith("-") ? "red.fg" : undefined} display="block" key={index}>
                {line}
              </Text>
            ))}
          </Box>
        </Box>
      ))}
    </Stack>
  );
}

function ConfigForm({ config, onSaved }: { config: GitConfig; onSaved: () => void }) {
  const [form, setForm] = useState({
    author_email: config.author_email ?? "",
    author_name: config.author_name ?? "",
    branch: config.branch ?? "main",
    remote_url: config.remote_url ?? "",
    ssh_key: "",
    token: "",
    token_user: config.token_user ?? "",
  });
  const saving = useAction();
  const field = (key: keyof typeof form, label: string, hint?: string, secret = false) => (
    <Field.Root>
      <Field.Label>{label}</Field.Label>
      <Input
        autoComplete={secret ? "new-password" : "off"}
        data-testid={`git-config-${key}`}
        onChange={(event) => setForm({ ...form, [key]: event.target.value })}
        size="sm"
        type={secret ? "password" : "text"}
        value={form[key]}
      />
      {hint ? <Field.HelperText>{hint}</Field.HelperText> : null}
    </Field.Root>
  );
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void saving.run(async () => {
      await notebooks().git.saveConfig({
        ...form,
        clear_credential: false,
        ssh_key: form.ssh_key || null,
        token: form.token || null,
        token_user: form.token_user || null,
      });
      setForm({ ...form, ssh_key: "", token: "" });
      onSaved();
      return "Git configuration saved.";
    });
  };
  const stored = config.credential === "token" ? "a token is stored" : config.credential === "ssh_key" ? "an SSH key is stored" : "no credential stored";
  return (
    <form data-testid="git-config" onSubmit={submit}>
      <Stack gap={3}>
        {field("remote_url", "Remote URL", "https://host/owner/repo.git, git@host:owner/repo.git or file:///path")}
        <HStack align="start">
          {field("branch", "Branch")}
          {field("author_name", "Author name")}
          {field("author_email", "Author e-mail")}
        </HStack>
        <HStack align="start">
          {field("token", "Token (HTTPS)", `Write-only, stored encrypted; ${stored}. Leave empty to keep it.`, true)}
          {field("token_user", "Token user name", "default: git")}
        </HStack>
        <Field.Root>
          <Field.Label>SSH private key (instead of a token)</Field.Label>
          <Textarea
            data-testid="git-config-ssh_key"
            fontFamily="mono"
            onChange={(event) => setForm({ ...form, ssh_key: event.target.value })}
            placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
            rows={3}
            size="sm"
            value={form.ssh_key}
          />
        </Field.Root>
        <HStack>
          <Button colorPalette="brand" data-testid="git-config-save" loading={saving.busy} size="sm" type="submit">
            Save configuration
          </Button>
        </HStack>
        <ActionOutcome done={saving.done} error={saving.error} testId="git-config-outcome" />
      </Stack>
    </form>
  );
}

function Actions() {
  const status = useAsync((signal) => notebooks().git.status(signal), []);
  const log = useAsync((signal) => notebooks().git.log(signal), []);
  const [selected, setSelected] = useState<string[]>([]);
  const [message, setMessage] = useState("");
  const [diff, setDiff] = useState<GitFileDiff[] | null>(null);
  const action = useAction();
  const refresh = () => {
    status.reload();
    log.reload();
  };
  const run = (work: () => Promise<string>) =>
    void action.run(async () => {
      try {
        return await work();
      } finally {
        refresh();
      }
    });
  const toggle = (path: string) => setSelected(selected.includes(path) ? selected.filter((p) => p !== path) : [...selected, path]);
  return (
    <Stack gap={3}>
      <HStack>
        <Button data-testid="git-pull" onClick={() => run(async () => (await notebooks().git.pull()).message)} size="sm" variant="outline">
          Pull
        </Button>
        <Button data-testid="git-push" onClick={() => run(async () => (await notebooks().git.push()).message)} size="sm" variant="outline">
          Push
        </Button>
        <Button onClick={refresh} size="sm" variant="ghost">
          Refresh
        </Button>
      </HStack>
      <ActionOutcome done={action.done} error={action.error} testId="git-outcome" />
      {status.status === "error" ? <ErrorAlert error={status.error} testId="git-status-error" /> : null}
      {status.data ? (
        <>
          <Text fontSize="sm">
            Branch <b>{status.data.branch}</b>: {status.data.files.length === 0 ? "nothing changed." : `${status.data.files.length} changed file(s).`}
          </Text>
          <Table.Root data-testid="git-status" size="sm">
            <Table.Body>
              {status.data.files.map((file) => (
                <Table.Row data-testid="git-file" key={file.path}>
                  <Table.Cell width="2rem">
                    <Checkbox.Root checked={selected.includes(file.path)} onCheckedChange={() => toggle(file.path)} size="sm">
                      <Checkbox.HiddenInput />
                      <Checkbox.Control data-testid={`git-select-${file.path}`} />
                    </Checkbox.Root>
                  </Table.Cell>
                  <Table.Cell>{file.path}</Table.Cell>
                  <Table.Cell>
                    <Badge>{file.status}</Badge>
                  </Table.Cell>
                  <Table.Cell>
                    <Button
                      data-testid={`git-diff-${file.path}`}
                      onClick={() => void action.run(async () => void setDiff((await notebooks().git.diff(file.path)).files))}
                      size="xs"
                      variant="ghost"
                    >
                      Diff
                    </Button>
                  </Table.Cell>
                </Table.Row>
              ))}
            </Table.Body>
          </Table.Root>
          <HStack>
            <Input data-testid="git-message" onChange={(event) => setMessage(event.target.value)} placeholder="Commit message" size="sm" value={message} />
            <Button
              colorPalette="brand"
              data-testid="git-commit"
              disabled={selected.length === 0 || message.trim() === ""}
              onClick={() =>
                run(async () => {
                  const done = await notebooks().git.commit(selected, message);
                  setSelected([]);
                  setMessage("");
                  return `Committed ${done.commit?.slice(0, 12) ?? ""}.`;
                })
              }
              size="sm"
            >
              Commit selected
            </Button>
          </HStack>
        </>
      ) : null}
      {diff ? <DiffView files={diff} /> : null}
      <Text fontWeight="semibold">History</Text>
      <Table.Root data-testid="git-log" size="sm">
        <Table.Body>
          {(log.data?.commits ?? []).map((commit) => (
            <Table.Row key={commit.commit}>
              <Table.Cell fontFamily="mono">{commit.commit.slice(0, 10)}</Table.Cell>
              <Table.Cell>{commit.message}</Table.Cell>
              <Table.Cell>{commit.author}</Table.Cell>
              <Table.Cell>{formatTime(commit.time)}</Table.Cell>
              <Table.Cell>
                <Button onClick={() => void action.run(async () => void setDiff((await notebooks().git.show(commit.commit)).files))} size="xs" variant="ghost">
                  Changes
                </Button>
              </Table.Cell>
            </Table.Row>
          ))}
        </Table.Body>
      </Table.Root>
    </Stack>
  );
}

export function GitPanel() {
  const config = useAsync((signal) => notebooks().git.config(signal), []);
  return (
    <Stack gap={4}>
      <Card.Root variant="outline">
        <Card.Header>
          <Card.Title>Git configuration</Card.Title>
          <Card.Description>Your notebook folder is a git work tree; this remote is where it is pulled from and pushed to.</Card.Description>
        </Card.Header>
        <Card.Body>
          {config.status === "error" ? <ErrorAlert error={config.error} /> : null}
          {config.data ? <ConfigForm config={config.data} key={config.data.updated_at ?? "new"} onSaved={config.reload} /> : null}
        </Card.Body>
      </Card.Root>
      {config.data?.configured ? (
        <Card.Root variant="outline">
          <Card.Header>
            <Card.Title>Git actions</Card.Title>
          </Card.Header>
          <Card.Body>
            <Actions />
          </Card.Body>
        </Card.Root>
      ) : null}
    </Stack>
  );
}
