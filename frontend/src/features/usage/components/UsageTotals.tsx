import { Card, Col, Row, Statistic } from 'antd';
import { useTranslation } from 'react-i18next';
import type { UsageFigures } from '../../../client/types.gen';
import { formatNumber } from '../../../lib/format';

function milliseconds(value: number | null | undefined, none: string): string {
  return value == null ? none : `${formatNumber(value, 1)} ms`;
}

/** The range's totals, one card per figure. */
export function UsageTotals({ totals }: { totals: UsageFigures }) {
  const { t } = useTranslation();
  const none = t('common:none');
  const cards = [
    { title: t('usage:totals.requests'), value: formatNumber(totals.requests) },
    {
      title: t('usage:totals.errors'),
      value: t('usage:totals.errorsValue', {
        errors: formatNumber(totals.errors),
        rate: formatNumber(totals.error_rate * 100, 1),
      }),
    },
    { title: t('usage:totals.tokens'), value: formatNumber(totals.total_tokens) },
    { title: t('usage:totals.cost'), value: formatNumber(totals.cost, 4) },
    {
      title: t('usage:totals.cacheHitRate'),
      value: `${formatNumber(totals.cache_hit_rate * 100, 1)} %`,
    },
    {
      title: t('usage:totals.latency'),
      value: [totals.latency_ms.p50, totals.latency_ms.p95, totals.latency_ms.p99]
        .map((value) => milliseconds(value, none))
        .join(' / '),
    },
  ];
  return (
    <Row gutter={[16, 16]}>
      {cards.map((card) => (
        <Col key={card.title} xs={24} sm={12} lg={8} xl={4}>
          <Card size="small">
            <Statistic title={card.title} value={card.value} />
          </Card>
        </Col>
      ))}
    </Row>
  );
}
