import DOMPurify from 'dompurify'
import { Marked } from 'marked'

/**
 * Markdown for descriptions and comments: `marked` (GitHub-flavoured, line breaks kept) turns the text
 * into HTML and DOMPurify sanitises it before it reaches the DOM (no <script>, no event handler
 * attributes, no javascript: URLs, no <style>, no forms). Links open in a new tab without an opener.
 */
const marked = new Marked({ gfm: true, breaks: true, async: false })

const purify = DOMPurify(window)
purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.getAttribute('href')) {
    node.setAttribute('target', '_blank')
    node.setAttribute('rel', 'noopener noreferrer nofollow')
  }
})

/** Safe HTML for a Markdown text. */
export function renderMarkdown(text: string): string {
  const html = marked.parse(text) as string
  return purify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe'],
    FORBID_ATTR: ['style'],
  })
}

/** Rendered Markdown (sanitised above). */
export function Markdown({ text }: { text: string }) {
  // The HTML is sanitised by DOMPurify in renderMarkdown.
  return <div class="markdown" dangerouslySetInnerHTML={{ __html: renderMarkdown(text) }} />
}
