/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev` proxies the API to a running `avp up` (AVP_URL, default
// http://127.0.0.1:8080); `npm run build` writes dist/, which avp serves
// from `/`.
const target = process.env.AVP_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': target,
      '/metrics': target,
      '/ws': { target, ws: true },
    },
  },
  build: { target: 'es2022', sourcemap: false },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    // One jsdom per worker rather than per file: 5x faster here. Tests
    // restore what they stub (fetch, XHR, WebSocket, layout) after each.
    isolate: false,
    // A loaded 2-core CI machine can take seconds per test; findBy/waitFor
    // wait up to 5 s (src/test/setup.ts), so a test gets more than that.
    testTimeout: 20_000,
  },
});
