/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const BACKEND = process.env.PORTAL_BACKEND_URL ?? 'http://127.0.0.1:8000';

/** react-markdown and the unified/micromark packages under it (only the Downloads page renders Markdown). */
const MARKDOWN =
  /[\\/]node_modules[\\/](react-markdown|remark-[a-z-]+|unified|bail|trough|is-plain-obj|devlop|vfile[a-z-]*|micromark[a-z-]*|mdast-util-[a-z-]+|hast-util-[a-z-]+|unist-util-[a-z-]+|html-url-attributes|property-information|space-separated-tokens|comma-separated-tokens|decode-named-character-reference|character-[a-z-]+|ccount|escape-string-regexp|markdown-table|longest-streak|zwitch|trim-lines|style-to-[a-z-]+|inline-style-parser|estree-util-[a-z-]+)[\\/]/;

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: {
      '/graphql': { target: BACKEND, ws: true },
      '/auth': { target: BACKEND },
      '/.well-known': { target: BACKEND },
      '/healthz': { target: BACKEND },
      // Signed file links only: /downloads itself is the SPA's Downloads page.
      '^/downloads/': { target: BACKEND },
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
      // Signed file links only: /downloads itself is the SPA's Downloads page.
      '^/downloads/': { target: BACKEND },
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
              // Nor does the Markdown renderer of release notes: it loads with the Downloads page.
              test: (id: string) => /[\\/]node_modules[\\/](?!(recharts|d3-[a-z-]+|victory-vendor|@reduxjs|redux|react-redux|immer|reselect|es-toolkit|decimal\.js-light|eventemitter3|internmap|tiny-invariant|clsx)[\\/])/.test(id) && !MARKDOWN.test(id),
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
