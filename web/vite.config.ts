import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev` proxies the API to a Parley on :3000; the build is served by Parley itself.
const api = { target: 'http://127.0.0.1:3000', changeOrigin: false };
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  server: { proxy: { '/v1': { ...api, ws: true }, '/openapi.json': api, '/docs': api } },
});
