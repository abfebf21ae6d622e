/**
 * A piece of GraphQL a page shows: a fenced block, or the query of a curl command.
 * `line` is the page's line of the snippet's first line, so a problem at the snippet's line n
 * is at the page's line `line + n - 1`.
 */
export interface GraphQLSnippet {
  file: string;
  line: number;
  /** `operation`: runnable as written. `schema`: an excerpt of the schema in SDL. */
  kind: 'operation' | 'schema';
  source: string;
  /** The variables given beside an operation (a ```json block right after it, or the curl body's). */
  variables?: { line: number; text: string };
  /** A marking the extractor does not know, reported instead of guessed at. */
  problem?: string;
}

const GRAPHQL_LANGUAGES = ['graphql', 'gql'];
const SCHEMA_MARK = 'sdl';
const CURL_BODY = /(?:-d|--data(?:-raw|-binary)?)\s+'([^']*)'/g;

interface Fence {
  info: string;
  /** Line (1-based) of the first content line. */
  line: number;
  text: string;
  /** Line (1-based) of the closing fence. */
  endLine: number;
}

/** Fenced code blocks (CommonMark: ``` or ~~~, closed by a fence of the same character at least as long). */
function fences(markdown: string): Fence[] {
  const lines = markdown.split('\n');
  const found: Fence[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const opening = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[index] as string);
    if (!opening) continue;
    const [, indent = '', marker = '', info = ''] = opening;
    // A backtick fence's info string has no backtick: such a line is inline code (```` ```json ````).
    if (marker.startsWith('`') && info.includes('`')) continue;
    const closing = new RegExp(`^\\s*${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
    const body: string[] = [];
    let end = index + 1;
    while (end < lines.length && !closing.test(lines[end] as string)) {
      const content = lines[end] as string;
      // Content inside a list item is indented like its fence; the rest of the indentation is the code's.
      body.push(content.startsWith(indent) ? content.slice(indent.length) : content.trimStart());
      end += 1;
    }
    found.push({ info: info.trim(), line: index + 2, text: body.join('\n'), endLine: end + 1 });
    index = end;
  }
  return found;
}

/**
 * Every GraphQL snippet of a Markdown page.
 *
 * - A ```graphql block is an operation (or several, named) that runs as written; placeholders
 *   such as "<financing id>" stand only inside string values.
 * - A ```graphql sdl block is an excerpt of the schema (type system definitions), checked
 *   against the printed schema rather than run.
 * - A ```json block that follows a ```graphql block with nothing but blank lines between gives
 *   that operation's variables.
 * - In ```sh blocks, the query of a curl body (`-d '{"query": ...}'`) is an operation too.
 *
 * Inline code in the prose names fields and arguments (`financing(id)`); it is not a document.
 */
export function graphqlSnippets(markdown: string, file: string): GraphQLSnippet[] {
  const snippets: GraphQLSnippet[] = [];
  const blocks = fences(markdown);
  blocks.forEach((fence, index) => {
    const [language = '', ...marks] = fence.info.split(/\s+/);
    if (GRAPHQL_LANGUAGES.includes(language.toLowerCase())) {
      const schemaExcerpt = marks.length === 1 && marks[0] === SCHEMA_MARK;
      const snippet: GraphQLSnippet = { file, line: fence.line, kind: schemaExcerpt ? 'schema' : 'operation', source: fence.text };
      if (marks.length > 0 && !schemaExcerpt) snippet.problem = `unknown marking "${fence.info}": use \`\`\`graphql for an operation or \`\`\`graphql ${SCHEMA_MARK} for a schema excerpt`;
      const next = blocks[index + 1];
      const between = next ? markdown.split('\n').slice(fence.endLine, next.line - 2) : [];
      if (next && next.info.split(/\s+/)[0] === 'json' && between.every((line) => line.trim() === '')) {
        snippet.variables = { line: next.line, text: next.text };
      }
      snippets.push(snippet);
    } else if (['sh', 'bash', 'shell', 'console'].includes(language)) {
      for (const match of fence.text.matchAll(CURL_BODY)) {
        const line = fence.line + fence.text.slice(0, match.index).split('\n').length - 1;
        let body: unknown;
        try {
          body = JSON.parse(match[1] as string);
        } catch {
          continue; // not JSON: a body of another kind
        }
        if (typeof body !== 'object' || body === null || typeof (body as { query?: unknown }).query !== 'string') continue;
        const { query, variables } = body as { query: string; variables?: unknown };
        snippets.push({ file, line, kind: 'operation', source: query, ...(variables === undefined ? {} : { variables: { line, text: JSON.stringify(variables) } }) });
      }
    }
  });
  return snippets;
}
