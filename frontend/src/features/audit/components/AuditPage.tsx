import { Alert, Button, Skeleton, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { NO_FILTERS, useAudit, type AuditFilters } from '../api/auditLog';
import { AuditFilterBar, hasFilters } from './AuditFilterBar';
import { AuditTable } from './AuditTable';
import { searchFromView, viewFromSearch, type AuditView } from './auditSearch';

/**
 * The tenant's configuration audit trail: who changed what and when, with each change's diff.
 * Its filters and page live in the address, so a reload or a shared link shows the same view.
 */
export function AuditPage() {
  const { t } = useTranslation();
  const [search, setSearch] = useSearchParams();
  const view = viewFromSearch(search);
  const { filters, page, pageSize } = view;
  const audit = useAudit(view);

  const show = (next: AuditView) => setSearch(searchFromView(next));
  const filter = (next: AuditFilters) => show({ filters: next, page: 1, pageSize });

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
            onPage={(next, size) => show({ filters, page: size === pageSize ? next : 1, pageSize: size })}
            onHistory={(entry) => filter({ target_type: entry.target_type, action: null, target_id: entry.target_id })}
            onClearFilters={() => filter(NO_FILTERS)}
          />
        )
      )}
    </Space>
  );
}
