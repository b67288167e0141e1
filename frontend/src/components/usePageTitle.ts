import { useEffect } from 'react';

export const PRODUCT_NAME = 'Licensing Portal';

/** Sets the browser tab title to "<title> · Licensing Portal". */
export function usePageTitle(title: string | null): void {
  useEffect(() => {
    document.title = title ? `${title} · ${PRODUCT_NAME}` : PRODUCT_NAME;
  }, [title]);
}
