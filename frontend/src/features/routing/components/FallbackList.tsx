import {
  DndContext,
  KeyboardSensor,
  PointerSensor,
  closestCenter,
  useSensor,
  useSensors,
  type DragEndEvent,
} from '@dnd-kit/core';
import {
  SortableContext,
  arrayMove,
  sortableKeyboardCoordinates,
  useSortable,
  verticalListSortingStrategy,
} from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, HolderOutlined } from '@ant-design/icons';
import { Button, Empty, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ProviderPublic } from '../../../client/types.gen';
import { ProviderTypeIcon } from '../../../components/ProviderTypeIcon';

interface Props {
  ids: string[];
  providers: ProviderPublic[];
  onChange: (ids: string[]) => void;
}

function FallbackItem({
  id,
  position,
  count,
  provider,
  onMove,
  onRemove,
}: {
  id: string;
  position: number;
  count: number;
  provider: ProviderPublic | undefined;
  onMove: (to: number) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } =
    useSortable({ id });
  const name = provider?.name ?? id;
  return (
    <li
      ref={setNodeRef}
      data-testid="fallback-item"
      style={{
        transform: CSS.Transform.toString(transform),
        transition,
        opacity: isDragging ? 0.6 : 1,
        listStyle: 'none',
        display: 'flex',
        alignItems: 'center',
        gap: 8,
        padding: '8px 12px',
        marginBottom: 8,
        border: '1px solid #d9d9d9',
        borderRadius: 6,
        background: '#fff',
      }}
    >
      <Button
        ref={setActivatorNodeRef}
        type="text"
        size="small"
        icon={<HolderOutlined />}
        aria-label={t('routing:fallbacks.drag', { name })}
        style={{ cursor: 'grab' }}
        {...attributes}
        {...listeners}
      />
      <Typography.Text type="secondary">{position + 1}.</Typography.Text>
      {provider && <ProviderTypeIcon type={provider.provider_type} />}
      <Typography.Text strong style={{ flex: 1 }}>
        {name}
      </Typography.Text>
      <Space size={4}>
        <Button
          size="small"
          icon={<ArrowUpOutlined />}
          disabled={position === 0}
          onClick={() => onMove(position - 1)}
          aria-label={t('routing:fallbacks.up', { name })}
        />
        <Button
          size="small"
          icon={<ArrowDownOutlined />}
          disabled={position === count - 1}
          onClick={() => onMove(position + 1)}
          aria-label={t('routing:fallbacks.down', { name })}
        />
        <Button
          size="small"
          danger
          icon={<DeleteOutlined />}
          onClick={onRemove}
          aria-label={t('routing:fallbacks.remove', { name })}
        />
      </Space>
    </li>
  );
}

/** The fallbacks in the order Turnout tries them: drag (mouse or keyboard) or use the arrows. */
export function FallbackList({ ids, providers, onChange }: Props) {
  const { t } = useTranslation();
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const dropped = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    onChange(arrayMove(ids, ids.indexOf(String(active.id)), ids.indexOf(String(over.id))));
  };
  if (ids.length === 0) {
    return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('routing:fallbacks.empty')} />;
  }
  return (
    <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={dropped}>
      <SortableContext items={ids} strategy={verticalListSortingStrategy}>
        <ol style={{ padding: 0, margin: 0 }} aria-label={t('routing:fallbacks.title')}>
          {ids.map((id, position) => (
            <FallbackItem
              key={id}
              id={id}
              position={position}
              count={ids.length}
              provider={providers.find((provider) => provider.id === id)}
              onMove={(to) => onChange(arrayMove(ids, position, to))}
              onRemove={() => onChange(ids.filter((other) => other !== id))}
            />
          ))}
        </ol>
      </SortableContext>
    </DndContext>
  );
}
