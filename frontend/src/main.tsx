import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { createQueryClient } from './app/queryClient';
import { currentLanguage, setUpI18n } from './i18n/i18n';
import { configureHttp } from './lib/http';

setUpI18n();
configureHttp(currentLanguage);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App queryClient={createQueryClient()} />
    </StrictMode>,
  );
}
