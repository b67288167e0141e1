/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const BACKEND = process.env.PORTAL_BACKEND_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: {
      '/graphql': { target: BACKEND, ws: true },
      '/auth': { target: BACKEND },
      '/.well-known': { target: BACKEND },
      '/healthz': { target: BACKEND },
      '/downloads': { target: BACKEND },
      '/api': { target: BACKEND },
      '/exports': { target: BACKEND },
    },
  },
  preview: {
    proxy: {
      '/graphql': { target: BACKEND, ws: true },
      '/auth': { target: BACKEND },
      '/.well-known': { target: BACKEND },
      '/healthz': { target: BACKEND },
      '/downloads': { target: BACKEND },
      '/api': { target: BACKEND },
      '/exports': { target: BACKEND },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    rolldownOptions: {
      output: {
        // Libraries and the generated GraphQL documents change less often than the pages: separate chunks cache better.
        codeSplitting: {
          groups: [
            // The charts of Enterprise Flexible stay out of it: they load with its pages only.
            {
              name: 'vendor',
              test: /[\\/]node_modules[\\/](?!(recharts|d3-[a-z-]+|victory-vendor|@reduxjs|redux|react-redux|immer|reselect|es-toolkit|decimal\.js-light|eventemitter3|internmap|tiny-invariant|clsx)[\\/])/,
            },
            { name: 'graphql-documents', test: /[\\/]src[\\/]gql[\\/]/ },
          ],
        },
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
  },
});
