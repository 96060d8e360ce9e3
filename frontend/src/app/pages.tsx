import { ApiOutlined, BranchesOutlined, HeartOutlined } from '@ant-design/icons';
import { ExperimentOutlined, LineChartOutlined, ScheduleOutlined } from '@ant-design/icons';
import { AuditOutlined, KeyOutlined, TeamOutlined } from '@ant-design/icons';
import { HighlightOutlined } from '@ant-design/icons';
import { BellOutlined } from '@ant-design/icons';
import { DatabaseOutlined } from '@ant-design/icons';
import type { ReactNode } from 'react';
import type { Role } from '../client/types.gen';
import { HealthPage } from '../features/health/components/HealthPage';
import { JobsPage } from '../features/jobs/components/JobsPage';
import { KeysPage } from '../features/keys/components/KeysPage';
import { PreannotationPage } from '../features/preannotation/components/PreannotationPage';
import { UsersPage } from '../features/users/components/UsersPage';
import { AlertsPage } from '../features/alerts/components/AlertsPage';
import { ModelsPage } from '../features/models/components/ModelsPage';
import { AuditPage } from '../features/audit/components/AuditPage';
import { PlaygroundPage } from '../features/playground/components/PlaygroundPage';
import { UsagePage } from '../features/usage/components/UsagePage';
import { ProvidersPage } from '../features/providers/components/ProvidersPage';
import { RoutingPage } from '../features/routing/components/RoutingPage';

/** A page of the console: where it lives, its menu entry and the least role that may open it. */
export interface ConsolePage {
  path: string;
  titleKey: string;
  icon: ReactNode;
  minRole: Role;
  element: ReactNode;
}

export const PAGES: ConsolePage[] = [
  {
    path: 'providers',
    titleKey: 'common:nav.providers',
    icon: <ApiOutlined />,
    minRole: 'admin',
    element: <ProvidersPage />,
  },
  {
    path: 'routing',
    titleKey: 'common:nav.routing',
    icon: <BranchesOutlined />,
    minRole: 'admin',
    element: <RoutingPage />,
  },
  {
    path: 'health',
    titleKey: 'common:nav.health',
    icon: <HeartOutlined />,
    minRole: 'viewer',
    element: <HealthPage />,
  },
  {
    path: 'alerts',
    titleKey: 'alerts:nav',
    icon: <BellOutlined />,
    minRole: 'admin',
    element: <AlertsPage />,
  },
  {
    path: 'usage',
    titleKey: 'usage:nav',
    icon: <LineChartOutlined />,
    minRole: 'viewer',
    element: <UsagePage />,
  },
  {
    path: 'playground',
    titleKey: 'playground:nav',
    icon: <ExperimentOutlined />,
    minRole: 'member',
    element: <PlaygroundPage />,
  },
  {
    path: 'jobs',
    titleKey: 'jobs:nav',
    icon: <ScheduleOutlined />,
    minRole: 'viewer',
    element: <JobsPage />,
  },
  {
    path: 'preannotation',
    titleKey: 'preannotation:nav',
    icon: <HighlightOutlined />,
    minRole: 'viewer',
    element: <PreannotationPage />,
  },
  {
    path: 'models',
    titleKey: 'models:nav',
    icon: <DatabaseOutlined />,
    minRole: 'viewer',
    element: <ModelsPage />,
  },
  {
    path: 'keys',
    titleKey: 'keys:nav',
    icon: <KeyOutlined />,
    minRole: 'admin',
    element: <KeysPage />,
  },
  {
    path: 'users',
    titleKey: 'users:nav',
    icon: <TeamOutlined />,
    minRole: 'admin',
    element: <UsersPage />,
  },
  {
    path: 'audit',
    titleKey: 'audit:nav',
    icon: <AuditOutlined />,
    minRole: 'admin',
    element: <AuditPage />,
  },
];
