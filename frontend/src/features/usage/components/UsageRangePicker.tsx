import { DatePicker } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';

export type UsageRange = [Dayjs, Dayjs];

/** The last `days` days up to the end of today. */
export function lastDays(days: number): UsageRange {
  const end = dayjs().endOf('day');
  return [end.subtract(days, 'day').add(1, 'millisecond'), end];
}

/** The days the report covers, with presets for the ranges people ask about most. */
export function UsageRangePicker({
  value,
  onChange,
}: {
  value: UsageRange;
  onChange: (range: UsageRange) => void;
}) {
  const { t } = useTranslation();
  const presets = [
    { label: t('usage:range.today'), value: lastDays(1) },
    { label: t('usage:range.days7'), value: lastDays(7) },
    { label: t('usage:range.days30'), value: lastDays(30) },
    { label: t('usage:range.days90'), value: lastDays(90) },
  ];
  return (
    <DatePicker.RangePicker
      aria-label={t('usage:range.label')}
      value={value}
      presets={presets}
      allowClear={false}
      disabledDate={(day) => day.isAfter(dayjs().endOf('day'))}
      onChange={(picked) => {
        const [start, end] = picked ?? [];
        if (start && end) onChange([start.startOf('day'), end.endOf('day')]);
      }}
    />
  );
}
