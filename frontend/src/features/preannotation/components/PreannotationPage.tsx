import { Card, Empty, Select, Skeleton, Space, Typography, Alert } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import type { AnnotationProjectPublic } from '../../../client/types.gen';
import { formatDateTime } from '../../../lib/format';
import { hasRole, useSession } from '../../../lib/session';
import { projectAt, projectsQuery, useProjects } from '../api/projects';
import { MetricsCard } from './MetricsCard';
import { RunCard, type Prefill } from './RunCard';
import { fieldsOf } from './runFields';

function projectLabel(project: AnnotationProjectPublic): string {
  return `#${project.ls_project_id} · ${project.origin}`;
}

/**
 * Pre-annotate a Label Studio project with a chosen provider and model (members), and see how
 * its predictions fared against human labels (everyone who may read the tenant's reports).
 */
export function PreannotationPage() {
  const { t } = useTranslation();
  const session = useSession();
  const queryClient = useQueryClient();
  const canRun = session !== null && hasRole(session.role, 'member');
  const projects = useProjects();
  const list = projects.data ?? [];
  const [chosenId, setChosenId] = useState<string | null>(null);
  const [prefill, setPrefill] = useState<Prefill | null>(null);
  const project = list.find((p) => p.id === chosenId) ?? (chosenId === null ? list[0] : undefined);

  // The form starts from the project shown first (only its token is then to be typed).
  const loaded = useRef(false);
  useEffect(() => {
    if (loaded.current || !projects.data) return;
    loaded.current = true;
    const first = projects.data[0];
    if (first) setPrefill({ fields: fieldsOf(first), nonce: 1 });
  }, [projects.data]);

  const choose = (id: string) => {
    setChosenId(id);
    const picked = list.find((p) => p.id === id);
    if (picked) setPrefill((old) => ({ fields: fieldsOf(picked), nonce: (old?.nonce ?? 0) + 1 }));
  };

  // Once the server has read a project (estimate or start), its report is the one shown.
  const showSeen = async (url: string, lsProjectId: number) => {
    const fresh = await queryClient.fetchQuery({ ...projectsQuery, staleTime: 0 });
    const seen = projectAt(fresh, url, lsProjectId);
    if (seen) setChosenId(seen.id);
  };

  const picker = () => {
    if (projects.isPending) return <Skeleton.Input active style={{ width: 360 }} />;
    if (projects.error) {
      return <Alert type="error" showIcon title={t('common:loadFailed', { message: projects.error.message })} />;
    }
    if (list.length === 0) return null;
    return (
      <Space wrap>
        <label htmlFor="preannotation-project">{t('preannotation:projects.label')}</label>
        <Select<string>
          id="preannotation-project"
          style={{ minWidth: 360 }}
          value={project?.id}
          onChange={choose}
          showSearch={{ optionFilterProp: 'title' }}
          options={list.map((p) => ({ value: p.id, label: projectLabel(p), title: projectLabel(p) }))}
        />
        {project && (
          <Typography.Text type="secondary">
            {t('preannotation:projects.updated', { when: formatDateTime(project.updated_at) })}
          </Typography.Text>
        )}
      </Space>
    );
  };

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('preannotation:title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('preannotation:intro')}</Typography.Paragraph>
      {picker()}
      {canRun && <RunCard prefill={prefill} projects={list} onProjectSeen={(url, id) => void showSeen(url, id)} />}
      {project ? (
        <MetricsCard key={project.id} project={project} canPull={canRun} />
      ) : (
        !projects.isPending &&
        !projects.error && (
          <Card title={t('preannotation:metrics.titleNone')}>
            <Empty description={canRun ? t('preannotation:projects.empty') : t('preannotation:projects.emptyViewer')} />
          </Card>
        )
      )}
    </Space>
  );
}
