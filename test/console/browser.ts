// Headless Chromium for the console's tests: Debian's /usr/bin/chromium driven by playwright-core,
// which never downloads a browser of its own. The flags keep Chromium off the network (this
// machine has none to offer but loopback) and out of anything a first start would set up.
// Playwright gives each launch a new, empty profile directory of its own.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const chromiumPath = process.env.ALLOT_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Screenshots are kept here, out of git, as the tests' artefacts (docs/console.md). */
export const artifactDirectory = join(import.meta.dirname, 'artifacts');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`No Chromium at ${chromiumPath}: install Debian's (apt-get install --no-install-recommends chromium, as .ci/run does) or set ALLOT_TEST_CHROMIUM`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    chromiumSandbox: false,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifactDirectory, { recursive: true });
  await page.screenshot({ path: join(artifactDirectory, `${name}.png`), fullPage: true });
}
