import { defineConfig } from 'vite';

// The build is embedded into the Qala binary (src/web/mod.rs): everything under /assets/, no CDN.
export default defineConfig({
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500, sourcemap: false },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/tiles': 'http://127.0.0.1:8080', '/styles': 'http://127.0.0.1:8080', '/fonts': 'http://127.0.0.1:8080', '/terrain': 'http://127.0.0.1:8080' } },
});
