import type { ProviderFieldPublic, ProviderPublic, ProviderTypePublic, ProviderWrite } from '../../../client/types.gen';

/** What the form holds: catalog fields under their dotted paths, as nested objects. */
export interface ProviderFormValues {
  name?: string;
  provider_type?: string;
  deployment_mode?: string;
  enabled?: boolean;
  [section: string]: unknown;
}

/** A catalog field's dotted name as the form's name path: "options.rpm" → ["options", "rpm"]. */
export function fieldPath(name: string): string[] {
  return name.split('.');
}

function readPath(source: Record<string, unknown>, path: string[]): unknown {
  return path.reduce<unknown>(
    (value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined),
    source,
  );
}

function writePath(target: Record<string, unknown>, path: string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const inner = (target[head] ??= {}) as Record<string, unknown>;
  writePath(inner, rest, value);
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** The form's starting values: the stored config, or the catalog type's defaults. */
export function initialValues(
  type: ProviderTypePublic | undefined,
  provider: ProviderPublic | undefined,
): ProviderFormValues {
  if (provider) {
    const values: ProviderFormValues = {
      name: provider.name,
      provider_type: provider.provider_type,
      deployment_mode: provider.deployment_mode,
      enabled: provider.enabled,
    };
    const stored = { ...provider, api_key: undefined } as unknown as Record<string, unknown>;
    for (const field of type?.fields ?? []) {
      const value = readPath(stored, fieldPath(field.name));
      if (!isBlank(value)) writePath(values, fieldPath(field.name), value);
    }
    return values;
  }
  const values: ProviderFormValues = {
    provider_type: type?.type,
    deployment_mode: type?.default_deployment_mode,
    enabled: true,
  };
  for (const field of type?.fields ?? []) {
    if (field.kind === 'bool' && typeof field.default === 'boolean') {
      writePath(values, fieldPath(field.name), field.default);
    }
  }
  return values;
}

/**
 * The request body for the form's values: blank fields are left out (Turnout applies its
 * defaults; on an edit a blank key keeps the stored one).
 */
export function payloadFrom(values: ProviderFormValues, fields: ProviderFieldPublic[]): ProviderWrite {
  const payload: Record<string, unknown> = {
    name: values.name?.trim(),
    provider_type: values.provider_type,
    deployment_mode: values.deployment_mode,
    enabled: values.enabled ?? true,
  };
  for (const field of fields) {
    const value = readPath(values, fieldPath(field.name));
    if (!isBlank(value)) writePath(payload, fieldPath(field.name), typeof value === 'string' ? value.trim() : value);
  }
  return payload as ProviderWrite;
}

/** Whether a required-unless field is satisfied by its alternative. */
export function satisfiedBy(field: ProviderFieldPublic, values: Record<string, unknown>): boolean {
  return field.required_unless ? !isBlank(readPath(values, fieldPath(field.required_unless))) : false;
}
