import { Alert, Button, Skeleton, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { NO_FILTERS, useAudit, type AuditFilters } from '../api/auditLog';
import { AuditFilterBar, hasFilters } from './AuditFilterBar';
import { AuditTable } from './AuditTable';

const FIRST_PAGE_SIZE = 20;

/** The tenant's configuration audit trail: who changed what and when, with each change's diff. */
export function AuditPage() {
  const { t } = useTranslation();
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(FIRST_PAGE_SIZE);
  const audit = useAudit({ filters, page, pageSize });

  const filter = (next: AuditFilters) => {
    setFilters(next);
    setPage(1);
  };

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('audit:title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('audit:intro')}
      </Typography.Paragraph>
      <AuditFilterBar filters={filters} onChange={filter} />
      {audit.error && (
        <Alert
          type="error"
          showIcon
          title={t('common:loadFailed', { message: audit.error.message })}
          action={
            <Button size="small" onClick={() => void audit.refetch()}>
              {t('common:actions.retry')}
            </Button>
          }
        />
      )}
      {audit.isPending ? (
        <Skeleton active />
      ) : (
        audit.data && (
          <AuditTable
            entries={audit.data.items}
            total={audit.data.total}
            page={page}
            pageSize={pageSize}
            loading={audit.isFetching && audit.isPlaceholderData}
            filtered={hasFilters(filters)}
            onPage={(next, size) => {
              setPage(size === pageSize ? next : 1);
              setPageSize(size);
            }}
            onHistory={(entry) => filter({ target_type: entry.target_type, action: null, target_id: entry.target_id })}
            onClearFilters={() => filter(NO_FILTERS)}
          />
        )
      )}
    </Space>
  );
}
