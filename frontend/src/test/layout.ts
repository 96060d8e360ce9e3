import { afterEach, beforeEach, vi } from 'vitest';

/**
 * jsdom lays nothing out, so every element measures 0 × 0 and recharts' ResponsiveContainer
 * draws nothing. Within the calling test file, chart containers measure `width` × `height`
 * (everything else, legends included, still measures nothing).
 */
export function giveChartsASize(width = 800, height = 280): void {
  const measure = HTMLElement.prototype.getBoundingClientRect;
  beforeEach(() => {
    vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockImplementation(function (
      this: HTMLElement,
    ) {
      return this.classList.contains('recharts-responsive-container')
        ? DOMRect.fromRect({ width, height })
        : measure.call(this);
    });
  });
  afterEach(() => vi.restoreAllMocks());
}
