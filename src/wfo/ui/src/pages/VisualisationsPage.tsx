/** Visualisations: the link to the team's BI dashboard, and the form editors use to set it. */
import { Box, Button, Card, Field, Flex, HStack, Input, Spinner, Text } from "@chakra-ui/react";
import { useState, type FormEvent } from "react";

import { api } from "../api/client";
import type { VisualisationsLink } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { PageHeader } from "../components/PageHeader";
import { useAsync } from "../hooks/useAsync";
import { can, useCurrentUser } from "../hooks/useMe";
import { RESOURCES } from "../nav";
import { formatTime } from "../time";
import { validateDashboardUrl } from "../urls";

/**
 * A framed preview. Many BI tools refuse to be framed (X-Frame-Options/CSP), so it is opt-in. A
 * dashboard on Airflow's own origin must not get `allow-same-origin` together with scripts: it
 * could then reach into this page.
 */
function Preview({ url }: { url: string }) {
  const sameOrigin = new URL(url).origin === globalThis.location.origin;
  const sandbox = sameOrigin ? "allow-scripts allow-forms" : "allow-scripts allow-same-origin allow-forms allow-popups";
  return (
    <Box borderWidth="1px" height="60vh" mt={3} overflow="hidden" rounded="md">
      <iframe
        data-testid="visualisations-preview"
        height="100%"
        referrerPolicy="no-referrer"
        sandbox={sandbox}
        src={url}
        style={{ border: 0, display: "block" }}
        title="Dashboard preview"
        width="100%"
      />
    </Box>
  );
}

function CurrentLink({ link, canEdit }: { link: VisualisationsLink; canEdit: boolean }) {
  const [showPreview, setShowPreview] = useState(false);

  // The server validates the link; checking again keeps a bad stored value (javascript:...) inert.
  if (link.url === null || validateDashboardUrl(link.url) !== null) {
    return (
      <Card.Root data-testid="visualisations-unset" variant="subtle">
        <Card.Body>
          <Text>
            {link.url === null ? "No dashboard link has been set yet." : `The stored link is not usable: ${link.url}.`}{" "}
            {canEdit ? "Set one below." : "Ask an administrator or developer to set one."}
          </Text>
        </Card.Body>
      </Card.Root>
    );
  }
  return (
    <Card.Root variant="outline">
      <Card.Body gap={3}>
        <Flex align="center" gap={4} wrap="wrap">
          <Button asChild colorPalette="brand" size="lg">
            <a data-testid="visualisations-open" href={link.url} rel="noopener noreferrer" target="_blank">
              Open dashboard
            </a>
          </Button>
          <Button onClick={() => setShowPreview(!showPreview)} size="sm" variant="outline">
            {showPreview ? "Hide preview" : "Show preview"}
          </Button>
        </Flex>
        <Text color="fg.muted" data-testid="visualisations-url" fontSize="sm" wordBreak="break-all">
          {link.url}
        </Text>
        {link.updated_by !== null || link.updated_at !== null ? (
          <Text color="fg.muted" fontSize="xs">
            Last changed{link.updated_by === null ? "" : ` by ${link.updated_by}`}
            {link.updated_at === null ? "" : ` on ${formatTime(link.updated_at)}`}
          </Text>
        ) : null}
        {showPreview ? <Preview url={link.url} /> : null}
      </Card.Body>
    </Card.Root>
  );
}

function EditForm({ link, onSaved }: { link: VisualisationsLink; onSaved: (link: VisualisationsLink) => void }) {
  const [value, setValue] = useState(link.url ?? "");
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);

  const save = async (url: string | null) => {
    setSaved(null);
    if (url !== null) {
      const problem = validateDashboardUrl(url);
      if (problem !== null) {
        setError(problem);
        return;
      }
    }
    setError(null);
    setSaving(true);
    try {
      const updated = await api().setVisualisationsUrl(url);
      setValue(updated.url ?? "");
      setSaved(url === null ? "Link cleared." : "Link saved.");
      onSaved(updated);
    } catch (caught: unknown) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setSaving(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save(value.trim());
  };

  return (
    <Box as="form" borderTopWidth="1px" mt={6} onSubmit={submit} pt={4}>
      <Field.Root invalid={error !== null} maxW="40rem">
        <Field.Label>Dashboard URL</Field.Label>
        <Input
          data-testid="visualisations-url-input"
          onChange={(event) => {
            setValue(event.target.value);
            setError(null);
            setSaved(null);
          }}
          placeholder="https://bi.example.com/dashboards/42"
          type="url"
          value={value}
        />
        {error === null ? (
          <Field.HelperText>The http:// or https:// address of the BI dashboard everyone should open.</Field.HelperText>
        ) : (
          <Field.ErrorText data-testid="visualisations-error">{error}</Field.ErrorText>
        )}
      </Field.Root>
      <HStack gap={2} mt={3}>
        <Button colorPalette="brand" data-testid="visualisations-save" loading={saving} size="sm" type="submit">
          Save
        </Button>
        {link.url === null ? null : (
          <Button
            data-testid="visualisations-clear"
            disabled={saving}
            onClick={() => void save(null)}
            size="sm"
            variant="outline"
          >
            Clear link
          </Button>
        )}
        {saved === null ? null : (
          <Text color="fg.success" data-testid="visualisations-saved" fontSize="sm">
            {saved}
          </Text>
        )}
      </HStack>
    </Box>
  );
}

export function VisualisationsPage() {
  const me = useCurrentUser();
  const canEdit = can(me, RESOURCES.visualisations, "can_edit");
  const loaded = useAsync((signal) => api().getVisualisations(signal), []);
  // After a save, show the server's answer without refetching.
  const [override, setOverride] = useState<VisualisationsLink | null>(null);
  const link = override ?? loaded.data;

  return (
    <>
      <PageHeader description="The team's BI dashboard, kept outside Airflow." title="Visualisations" />
      {loaded.status === "error" ? <ErrorAlert error={loaded.error} onRetry={loaded.reload} /> : null}
      {loaded.status === "loading" && link === undefined ? <Spinner data-testid="visualisations-loading" /> : null}
      {link === undefined ? null : (
        <>
          <CurrentLink canEdit={canEdit} link={link} />
          {canEdit ? <EditForm link={link} onSaved={setOverride} /> : null}
        </>
      )}
    </>
  );
}
