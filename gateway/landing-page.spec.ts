import { landingPage } from './index';

describe('landingPage', () => {
  const html = landingPage({
    title: 'Demo <gateway>',
    examples: [
      { name: 'Users', query: '{ users { id } }' },
      { name: 'Tricky </script><b>', query: '{ a }', variables: { x: '</script>' } },
    ],
  });

  it('is self-contained: no external URL of any kind', () => {
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
  });

  it('has the editor, variables, Run button, result pane, examples and a curl hint', () => {
    for (const id of ['query', 'variables', 'run', 'result', 'curl']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('>Users</button>');
    expect(html).toContain('curl -s -X POST');
  });

  it('escapes the caller’s text, in HTML and in the embedded JSON', () => {
    expect(html).toContain('<title>Demo &lt;gateway&gt;</title>');
    expect(html).toContain('Tricky &lt;/script&gt;&lt;b&gt;');
    expect(html.match(/<\/script>/g)).toHaveLength(2);
  });
});
