import {
  AlibabaOutlined,
  ApiOutlined,
  BaiduOutlined,
  DesktopOutlined,
  ExperimentOutlined,
  OpenAIOutlined,
  RobotOutlined,
  ThunderboltOutlined,
  WechatOutlined,
  WindowsOutlined,
} from '@ant-design/icons';
import type { ComponentType } from 'react';

// The vendor's (or its parent company's) mark where the icon set has one.
const ICONS: Record<string, ComponentType<{ 'aria-hidden'?: boolean }>> = {
  openai: OpenAIOutlined,
  azure_openai: WindowsOutlined,
  qwen: AlibabaOutlined,
  zhipu: ExperimentOutlined,
  baidu: BaiduOutlined,
  hunyuan: WechatOutlined,
  deepseek: ThunderboltOutlined,
  openai_compatible: ApiOutlined,
  ollama: DesktopOutlined,
};

export function ProviderTypeIcon({ type }: { type: string }) {
  const Icon = ICONS[type] ?? RobotOutlined;
  return <Icon aria-hidden />;
}
