/**
 * The web console's build (web/dist, served by the API under /console/) and its dev server, which proxies
 * GraphQL (HTTP, SSE and WebSocket) to a running API: `API_URL` (default http://127.0.0.1:4000).
 */
import { defineConfig } from 'vite';

const api = process.env.API_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  base: '/console/',
  // React's automatic JSX runtime through esbuild: no plugin needed for a production build.
  esbuild: { jsx: 'automatic' },
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One chart library and one UI framework: a single bundle plus the chart chunk is what the page loads.
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/graphql': { target: api, ws: true, changeOrigin: false } },
  },
});
