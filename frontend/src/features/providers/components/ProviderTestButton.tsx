import { ExperimentOutlined } from '@ant-design/icons';
import { Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { useTestProvider } from '../api/testProvider';

/** Runs Turnout's connection test; the result shows at once in the table's "last test" column. */
export function ProviderTestButton({ id, name }: { id: string; name: string }) {
  const { t } = useTranslation();
  const test = useTestProvider(id);
  return (
    <Button
      size="small"
      icon={<ExperimentOutlined />}
      loading={test.isPending}
      onClick={() => test.mutate()}
      aria-label={t('providers:actions.testNamed', { name })}
    >
      {test.isPending ? t('providers:actions.testing') : t('providers:actions.test')}
    </Button>
  );
}
