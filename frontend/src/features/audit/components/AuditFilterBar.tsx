import { ClearOutlined } from '@ant-design/icons';
import { Button, Input, Select, Space } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { NO_FILTERS, type AuditFilters } from '../api/auditLog';
import { ACTION_LABELS, TARGET_LABELS } from './labels';

interface Props {
  filters: AuditFilters;
  onChange: (filters: AuditFilters) => void;
}

export function hasFilters(filters: AuditFilters): boolean {
  return Object.values(filters).some((value) => value !== null);
}

/** Target type, action and target id, as GET /api/v1/audit filters them (exact matches). */
export function AuditFilterBar({ filters, onChange }: Props) {
  const { t } = useTranslation();
  const [targetId, setTargetId] = useState(filters.target_id ?? '');
  // A target chosen from a row ("history") shows up in the field.
  useEffect(() => setTargetId(filters.target_id ?? ''), [filters.target_id]);

  return (
    <Space wrap>
      <Select<string>
        aria-label={t('audit:filters.targetType')}
        allowClear
        placeholder={t('audit:filters.anyTarget')}
        style={{ minWidth: 200 }}
        value={filters.target_type ?? undefined}
        onChange={(value) => onChange({ ...filters, target_type: value ?? null })}
        options={Object.entries(TARGET_LABELS).map(([value, label]) => ({ value, label: t(label) }))}
      />
      <Select<string>
        aria-label={t('audit:filters.action')}
        allowClear
        placeholder={t('audit:filters.anyAction')}
        style={{ minWidth: 200 }}
        value={filters.action ?? undefined}
        onChange={(value) => onChange({ ...filters, action: value ?? null })}
        options={Object.entries(ACTION_LABELS).map(([value, label]) => ({ value, label: t(label) }))}
      />
      <Input.Search
        aria-label={t('audit:filters.targetId')}
        placeholder={t('audit:filters.targetIdPlaceholder')}
        allowClear
        style={{ width: 300 }}
        value={targetId}
        onChange={(event) => setTargetId(event.target.value)}
        onSearch={(value) => onChange({ ...filters, target_id: value.trim() || null })}
        enterButton={t('audit:filters.apply')}
      />
      <Button icon={<ClearOutlined />} disabled={!hasFilters(filters)} onClick={() => onChange(NO_FILTERS)}>
        {t('audit:filters.clear')}
      </Button>
    </Space>
  );
}
