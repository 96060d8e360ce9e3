import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import i18n, { LANGUAGE_STORAGE_KEY, initialLanguage } from '../../i18n/i18n';
import { envelope, healthRow, signIn } from '../../test/fixtures';
import { renderConsole } from '../../test/render';
import { server } from '../../test/server';

async function switchTo(label: string) {
  const user = userEvent.setup({ delay: null });
  await user.click(await screen.findByRole('combobox', { name: /Language|语言/ }));
  await user.click(await screen.findByTitle(label));
}

test('switching to Chinese translates the console and is saved for the next visit', async () => {
  renderConsole('/login');
  expect(await screen.findByRole('button', { name: 'Log in' })).toBeInTheDocument();

  await switchTo('简体中文');

  expect(await screen.findByRole('button', { name: '登 录' })).toBeInTheDocument();
  expect(window.localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe('zh-CN');
  expect(document.documentElement.lang).toBe('zh-CN');
  expect(initialLanguage()).toBe('zh-CN'); // what the next page load starts with
});

test('a saved language is restored on load', async () => {
  window.localStorage.setItem(LANGUAGE_STORAGE_KEY, 'zh-CN');
  await i18n.changeLanguage(initialLanguage());
  renderConsole('/login');

  expect(await screen.findByText('登录 Turnout')).toBeInTheDocument();
});

test('a saved value that is not a console language is ignored', () => {
  window.localStorage.setItem(LANGUAGE_STORAGE_KEY, 'xx-YY');
  Object.defineProperty(navigator, 'language', { value: 'en-GB', configurable: true });

  expect(initialLanguage()).toBe('en-US');
});

test('requests carry the chosen language, so server messages come back in it', async () => {
  signIn('viewer');
  const languages: (string | null)[] = [];
  server.use(
    http.get('*/api/v1/llm/health', ({ request }) => {
      languages.push(request.headers.get('Accept-Language'));
      return request.headers.get('Accept-Language') === 'zh-CN'
        ? envelope(503, 'UNAVAILABLE', '服务暂时不可用')
        : HttpResponse.json([healthRow()]);
    }),
  );
  renderConsole('/health');
  expect(await screen.findByText('main')).toBeInTheDocument();

  await switchTo('简体中文');

  await waitFor(() => expect(languages).toContain('zh-CN'));
  expect(languages[0]).toBe('en-US');
});
