import { defineConfig } from 'vite';

// The build is embedded into the Qala binary (src/web/mod.rs): everything under /assets/, no CDN.
// `npx vite` serves the sources for development against a running Qala (QALA_DEV_API, default
// http://127.0.0.1:8080); its SPA fallback serves index.html for `/app/...` as Qala does.
const api = process.env.QALA_DEV_API ?? 'http://127.0.0.1:8080';
const proxied = ['/api', '/tiles', '/styles', '/fonts', '/terrain', '/ogc', '/verify'];
export default defineConfig({
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500, sourcemap: false },
  server: { proxy: Object.fromEntries(proxied.map((p) => [p, api])) },
});
