// @ts-check
/**
 * The fixture site bookchat's tests build (tests/docusaurus/README.md): a classic Docusaurus 3
 * site whose docs live at the site root (routeBasePath '/'), with the chat widget added exactly
 * as bookchat's README says. The test's static server replaces BOOKCHAT in the served pages with
 * the URL of the bookchat server it started (its port is only known then).
 */
const BOOKCHAT = 'http://bookchat.invalid';

/** @type {import('@docusaurus/types').Config} */
module.exports = {
  title: 'Fixture Book',
  tagline: 'Sensors, setup and the corners of Markdown',
  url: 'https://book.example.org',
  baseUrl: '/',
  onBrokenLinks: 'throw',
  onBrokenAnchors: 'throw',
  favicon: 'img/favicon.svg',
  presets: [
    [
      'classic',
      {
        docs: {
          // Not the default '/docs': bookchat must read this (issue 14, point 6).
          routeBasePath: '/',
        },
        blog: {
          routeBasePath: 'news', // a second routeBasePath, which is not the docs' one
        },
        theme: {customCss: './src/css/custom.css'},
      },
    ],
  ],
  scripts: [
    {src: `${BOOKCHAT}/widget.js`, async: true, 'data-api': BOOKCHAT},
  ],
  themeConfig: {
    navbar: {
      title: 'Fixture Book',
      items: [
        {type: 'docSidebar', sidebarId: 'defaultSidebar', position: 'left', label: 'Book'},
        {to: '/news', label: 'News', position: 'left'},
      ],
    },
    colorMode: {defaultMode: 'light', respectPrefersColorScheme: false},
  },
};
