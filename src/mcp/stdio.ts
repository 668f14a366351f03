/** `sally mcp`: stdio MCP server calling a Sally server at SALLY_URL with SALLY_API_KEY. */
export async function runStdioMcp(): Promise<void> {
  console.error('sally mcp: not available in this build yet')
  process.exit(2)
}
