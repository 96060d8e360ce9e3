import { Empty, Table } from 'antd';
import { useTranslation } from 'react-i18next';
import type { LabelAccuracy } from '../../../client/types.gen';
import { formatNumber } from '../../../lib/format';
import { percent } from './figures';

/** Precision, recall, F1 and accuracy per control and label of one model_version. */
export function LabelAccuracyTable({ labels }: { labels: LabelAccuracy[] }) {
  const { t } = useTranslation();
  const count = (value: number) => formatNumber(value);
  return (
    <Table<LabelAccuracy>
      size="small"
      pagination={false}
      scroll={{ x: 'max-content' }}
      rowKey={(row) => `${row.from_name}\u0000${row.label}`}
      dataSource={labels}
      locale={{ emptyText: <Empty description={t('preannotation:labels.empty')} /> }}
      columns={[
        { title: t('preannotation:labels.control'), dataIndex: 'from_name' },
        { title: t('preannotation:labels.label'), dataIndex: 'label' },
        { title: t('preannotation:labels.tp'), dataIndex: 'tp', align: 'right', render: count },
        { title: t('preannotation:labels.fp'), dataIndex: 'fp', align: 'right', render: count },
        { title: t('preannotation:labels.fn'), dataIndex: 'fn', align: 'right', render: count },
        { title: t('preannotation:labels.precision'), dataIndex: 'precision', align: 'right', render: (v: number | null) => percent(v) },
        { title: t('preannotation:labels.recall'), dataIndex: 'recall', align: 'right', render: (v: number | null) => percent(v) },
        { title: t('preannotation:labels.f1'), dataIndex: 'f1', align: 'right', render: (v: number | null) => percent(v) },
        { title: t('preannotation:labels.accuracy'), dataIndex: 'accuracy', align: 'right', render: (v: number | null) => percent(v) },
      ]}
    />
  );
}
