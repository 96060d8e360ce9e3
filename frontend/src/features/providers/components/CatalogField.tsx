import { Form, Input, InputNumber, Select, Switch } from 'antd';
import type { Rule } from 'antd/es/form';
import { useTranslation } from 'react-i18next';
import type { ProviderFieldPublic, ProviderTypePublic } from '../../../client/types.gen';
import { fieldPath, satisfiedBy } from './providerValues';

interface Props {
  field: ProviderFieldPublic;
  type: ProviderTypePublic;
  editing: boolean;
  maskedKey: string | null;
}

function placeholderFor(field: ProviderFieldPublic, type: ProviderTypePublic): string | undefined {
  if (field.name === 'base_url') return type.default_base_url ?? undefined;
  if (field.name === 'models.chat') return type.default_models.chat ?? undefined;
  if (field.name === 'models.embedding') return type.default_models.embedding ?? undefined;
  return field.default == null || typeof field.default === 'boolean' ? undefined : String(field.default);
}

/** One setting of the chosen provider type, drawn from the catalog's description of it. */
export function CatalogField({ field, type, editing, maskedKey }: Props) {
  const { t } = useTranslation();
  const secretKept = field.kind === 'secret' && editing;
  const rules: Rule[] = [];
  if (field.required && !secretKept) {
    rules.push(({ getFieldsValue }) => ({
      required: !satisfiedBy(field, getFieldsValue(true) as Record<string, unknown>),
    }));
  }
  if (field.pattern) {
    rules.push({ pattern: new RegExp(field.pattern), message: t('providers:form.pattern') });
  }
  if (field.max_length != null) rules.push({ max: field.max_length });

  const common = {
    name: fieldPath(field.name),
    label: field.label,
    extra: field.help ?? undefined,
    rules,
    dependencies: field.required_unless ? [fieldPath(field.required_unless)] : undefined,
  };
  if (field.kind === 'bool') {
    return (
      <Form.Item {...common} valuePropName="checked">
        <Switch />
      </Form.Item>
    );
  }
  if (field.kind === 'int' || field.kind === 'float') {
    return (
      <Form.Item {...common}>
        <InputNumber
          style={{ width: '100%' }}
          min={field.minimum ?? undefined}
          max={field.maximum ?? undefined}
          precision={field.kind === 'int' ? 0 : undefined}
          placeholder={placeholderFor(field, type)}
        />
      </Form.Item>
    );
  }
  if (field.choices) {
    return (
      <Form.Item {...common}>
        <Select allowClear options={field.choices.map((choice) => ({ value: choice, label: choice }))} />
      </Form.Item>
    );
  }
  if (field.kind === 'secret') {
    return (
      <Form.Item {...common} extra={secretKept ? t('providers:form.keyKept', { key: maskedKey ?? '' }) : common.extra}>
        <Input.Password autoComplete="new-password" />
      </Form.Item>
    );
  }
  return (
    <Form.Item {...common}>
      <Input placeholder={placeholderFor(field, type)} />
    </Form.Item>
  );
}
