// inlineForm.ts - keyboard focus for a form that opens in place of a
// button (new project, edit project, new test session). It is not modal, so
// focus is not trapped; instead focus moves to its first field when it
// opens, Escape cancels it, and the button that opened it gets the focus
// back when it closes, so a keyboard user never lands on <body>.
import { useEffect, useRef, type KeyboardEvent } from 'react';

/** For the form: a ref for its element and its keydown handler. */
export function useInlineForm<T extends HTMLElement>(onCancel?: () => void) {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('input:not([disabled]), select:not([disabled]), textarea')?.focus();
  }, []);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || !onCancel) return;
    e.preventDefault();
    onCancel();
  };
  return { ref, onKeyDown };
}

/** For the button that opens the form: it is focused again when open
 * turns false. */
export function useOpener(open: boolean) {
  const ref = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(open);
  useEffect(() => {
    if (wasOpen.current && !open) ref.current?.focus();
    wasOpen.current = open;
  }, [open]);
  return ref;
}
