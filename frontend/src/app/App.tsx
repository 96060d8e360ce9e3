import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { useEffect } from 'react';
import { I18nextProvider, useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { LoginPage } from '../features/auth/components/LoginPage';
import type { Language } from '../i18n/i18n';
import i18n from '../i18n/i18n';
import { hasRole, useSession } from '../lib/session';
import { AppLayout } from './components/AppLayout';
import { NotFound } from './components/NotFound';
import { RequireRole } from './components/RequireRole';
import { PAGES } from './pages';

const ANTD_LOCALES: Record<Language, typeof enUS> = { 'en-US': enUS, 'zh-CN': zhCN };

/** The first page the signed-in role may open. */
function Home() {
  const session = useSession();
  const first = PAGES.find((page) => session && hasRole(session.role, page.minRole));
  return <Navigate to={first ? `/${first.path}` : '/login'} replace />;
}

function ConsoleRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireRole role="viewer">
            <AppLayout />
          </RequireRole>
        }
      >
        <Route index element={<Home />} />
        {PAGES.map((page) => (
          <Route
            key={page.path}
            path={`${page.path}/*`}
            element={<RequireRole role={page.minRole}>{page.element}</RequireRole>}
          />
        ))}
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

/** Language, Ant Design's locale, server state and routes around the console's pages. */
function Localised({ queryClient }: { queryClient: QueryClient }) {
  const { i18n: active } = useTranslation();
  const language = (active.language in ANTD_LOCALES ? active.language : 'en-US') as Language;
  useEffect(() => {
    // Catalog names, field labels and messages come from the server in the chosen language.
    const refetch = () => void queryClient.invalidateQueries();
    active.on('languageChanged', refetch);
    return () => active.off('languageChanged', refetch);
  }, [active, queryClient]);
  return (
    <ConfigProvider locale={ANTD_LOCALES[language]}>
      <AntApp>
        <ConsoleRoutes />
      </AntApp>
    </ConfigProvider>
  );
}

export function App({ queryClient }: { queryClient: QueryClient }) {
  return (
    <I18nextProvider i18n={i18n}>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <Localised queryClient={queryClient} />
        </BrowserRouter>
      </QueryClientProvider>
    </I18nextProvider>
  );
}
