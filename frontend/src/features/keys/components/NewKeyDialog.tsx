import { CheckOutlined, CopyOutlined } from '@ant-design/icons';
import { Alert, Button, Input, Modal, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiKeyCreated } from '../../../client/types.gen';

type CopyState = 'idle' | 'copied' | 'failed';

/**
 * The plaintext of a key just created. Turnout keeps only its hash, so this is the one time it
 * can be seen: the dialog closes only by its button, and the key leaves the page when it does.
 */
export function NewKeyDialog({ created, onClose }: { created: ApiKeyCreated | null; onClose: () => void }) {
  // Unmounted rather than animated away: a closing dialog keeps its last content on the page.
  return created ? <ShownKey created={created} onClose={onClose} /> : null;
}

function ShownKey({ created, onClose }: { created: ApiKeyCreated; onClose: () => void }) {
  const { t } = useTranslation();
  const [copy, setCopy] = useState<CopyState>('idle');

  const copyKey = async () => {
    try {
      // Absent outside secure contexts (plain http on a host other than localhost).
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(created.key);
      setCopy('copied');
    } catch {
      setCopy('failed');
    }
  };

  return (
    <Modal
      open
      title={t('keys:created.title', { name: created.name })}
      closable={false}
      mask={{ closable: false }}
      keyboard={false}
      footer={
        <Button type="primary" onClick={onClose}>
          {t('keys:created.done')}
        </Button>
      }
    >
      <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
        <Alert type="warning" showIcon title={t('keys:created.once')} />
        <Space.Compact style={{ width: '100%' }}>
          <Input
            readOnly
            value={created.key}
            aria-label={t('keys:created.keyLabel')}
            onFocus={(event) => event.target.select()}
            style={{ fontFamily: 'monospace' }}
          />
          <Button
            icon={copy === 'copied' ? <CheckOutlined /> : <CopyOutlined />}
            onClick={() => void copyKey()}
          >
            {copy === 'copied' ? t('keys:created.copied') : t('keys:created.copy')}
          </Button>
        </Space.Compact>
        {copy === 'failed' && <Alert type="error" showIcon title={t('keys:created.copyFailed')} />}
        <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
          {t('keys:created.usage')}{' '}
          <Typography.Text code>{`Authorization: Bearer ${created.prefix}…`}</Typography.Text>
        </Typography.Paragraph>
      </Space>
    </Modal>
  );
}
