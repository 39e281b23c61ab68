# The test guest's reading of #cloud-config user data: turns the part of it that the guest
# understands into a shell script on stdout, in cloud-init's order (write_files, then the SSH
# keys, then runcmd). The guest has busybox and no Python, so this stands in for cloud-init; it
# reads the common block style of YAML: top-level keys, block and flow lists, mappings in list
# items, quoted and plain scalars, and literal (|) and folded (>) block scalars.
# Other keys are named on the console as ignored.

function indent_of(text) { match(text, /^ */); return RLENGTH }
function trim(text) { sub(/^[ \t]+/, "", text); sub(/[ \t\r]+$/, "", text); return text }
function shell_quote(text) { gsub(/'/, "'\\''", text); return "'" text "'" }
function is_blank(text) { return text ~ /^[ \t\r]*$/ || text ~ /^[ \t]*#/ }

function unescape(text,    out, i, c, n) {
  out = ""; n = length(text)
  for (i = 1; i <= n; i++) {
    c = substr(text, i, 1)
    if (c == "\\" && i < n) {
      i++; c = substr(text, i, 1)
      if (c == "n") c = "\n"; else if (c == "t") c = "\t"; else if (c == "r") c = "\r"
    }
    out = out c
  }
  return out
}

# A scalar as written after `key:` or `- `: quoted, or plain up to a comment.
function scalar(text) {
  text = trim(text)
  if (text ~ /^'.*'$/) { text = substr(text, 2, length(text) - 2); gsub(/''/, "'", text); return text }
  if (text ~ /^".*"$/) return unescape(substr(text, 2, length(text) - 2))
  sub(/[ \t]+#.*$/, "", text)
  return text
}

# Splits a flow list `[a, "b, c", 'd']` into items[1..n]; returns n.
function flow_items(text, items,    n, i, c, quote, current, inside) {
  text = trim(text); text = substr(text, 2, length(text) - 2)
  n = 0; quote = ""; current = ""; inside = 0
  for (i = 1; i <= length(text); i++) {
    c = substr(text, i, 1)
    if (quote != "") { current = current c; if (c == quote) quote = ""; continue }
    if (c == "'" || c == "\"") { quote = c; current = current c; inside = 1; continue }
    if (c == ",") { items[++n] = scalar(current); current = ""; inside = 0; continue }
    current = current c
    if (c !~ /[ \t]/) inside = 1
  }
  if (inside) items[++n] = scalar(current)
  return n
}

# A block scalar whose header (`|`, `|-`, `>`, ...) ends line `at`: reads the lines indented
# deeper than `parent`, sets `next_line` to the first line after it, returns its text.
function block_scalar(at, parent, header,    body, count, width, i, line, text, folded) {
  folded = header ~ /^>/
  count = 0; width = -1
  for (i = at + 1; i <= line_count; i++) {
    line = lines[i]; sub(/\r$/, "", line)
    if (line ~ /^[ \t]*$/) { body[++count] = ""; continue }
    if (width < 0) width = indent_of(line)
    if (width <= parent || indent_of(line) < width) break
    body[++count] = substr(line, width + 1)
  }
  while (count > 0 && body[count] == "") { count--; i-- }
  next_line = i
  text = ""
  for (i = 1; i <= count; i++) {
    if (!folded || i == 1) text = text (i > 1 ? "\n" : "") body[i]
    else if (body[i] == "" || body[i - 1] == "") text = text "\n" body[i]
    else text = text " " body[i]
  }
  if (count > 0 && header !~ /-/) text = text "\n"
  return text
}

# A value after `key:` or `- ` on line `at` (indented `parent`): a block scalar or a scalar.
function value_at(at, parent, text) {
  text = trim(text)
  if (text ~ /^[|>][-+]?$/) return block_scalar(at, parent, text)
  next_line = at + 1
  return scalar(text)
}

function emit_write_file(    path, content, command) {
  if (!("path" in file)) { notes = notes "echo " shell_quote("allot-guest: a write_files entry has no path; skipped") "\n"; return }
  path = file["path"]
  command = "mkdir -p \"$(dirname " shell_quote(path) ")\"\n"
  if (file["encoding"] ~ /^(b64|base64)$/) command = command "printf '%s' " shell_quote(file["content"]) " | base64 -d"
  else command = command "printf '%s' " shell_quote(file["content"])
  command = command (file["append"] ~ /^(true|True|yes)$/ ? " >> " : " > ") shell_quote(path) "\n"
  command = command "chmod " ("permissions" in file ? file["permissions"] : "0644") " " shell_quote(path) "\n"
  if ("owner" in file) command = command "chown " shell_quote(file["owner"]) " " shell_quote(path) " 2>/dev/null || true\n"
  write_files = write_files command
}

function add_key(key) { if (key != "") ssh_keys = ssh_keys "printf '%s\\n' " shell_quote(key) " >> /root/.ssh/authorized_keys\n" }

function add_command(text, flow,    items, n, i, line) {
  if (flow) { n = flow_items(text, items); line = ""; for (i = 1; i <= n; i++) line = line (i > 1 ? " " : "") shell_quote(items[i]); runcmd = runcmd line "\n" }
  else { sub(/\n$/, "", text); runcmd = runcmd text "\n" }
}

# The list under top-level `key` starting after line `at`; returns the line after it.
function read_list(key, at,    i, text, dash, rest, name, value, colon, item_indent) {
  i = at + 1
  while (i <= line_count) {
    if (is_blank(lines[i])) { i++; continue }
    if (indent_of(lines[i]) == 0) break
    text = lines[i]; dash = indent_of(text); rest = substr(text, dash + 1)
    if (rest !~ /^-( |$)/) { i++; continue }
    rest = substr(rest, 3)
    if (key == "write_files") {
      delete file
      item_indent = dash + 2
      while (1) {
        colon = index(rest, ":")
        if (colon > 0) {
          name = trim(substr(rest, 1, colon - 1)); value = substr(rest, colon + 1)
          file[name] = value_at(i, item_indent, value)
          i = next_line
        } else i++
        while (i <= line_count && is_blank(lines[i])) i++
        if (i > line_count || indent_of(lines[i]) != item_indent || substr(lines[i], item_indent + 1) ~ /^-/) break
        rest = substr(lines[i], item_indent + 1)
      }
      emit_write_file()
    } else if (key == "runcmd") {
      if (trim(rest) ~ /^\[/) { add_command(rest, 1); i++ }
      else { value = value_at(i, dash, rest); i = next_line; add_command(value, 0) }
    } else {
      value = value_at(i, dash, rest); i = next_line; add_key(value)
    }
  }
  return i
}

{ lines[++line_count] = $0 }

END {
  i = 1
  while (i <= line_count) {
    line = lines[i]
    if (is_blank(line) || indent_of(line) > 0 || index(line, ":") == 0) { i++; continue }
    key = trim(substr(line, 1, index(line, ":") - 1)); rest = trim(substr(line, index(line, ":") + 1))
    if (key == "runcmd" || key == "write_files" || key == "ssh_authorized_keys") {
      if (rest ~ /^\[/) {
        n = flow_items(rest, flow)
        for (j = 1; j <= n; j++) if (key == "runcmd") add_command(flow[j], 0); else add_key(flow[j])
        i++
      } else i = read_list(key, i)
    } else if (key == "hostname" || key == "fqdn") {
      hostname = scalar(rest); i++
    } else {
      notes = notes "echo " shell_quote("allot-guest: cloud-config key \"" key "\" is not supported by this image; ignored") "\n"; i++
    }
  }
  print "#!/bin/sh"
  printf "%s", notes
  printf "%s", write_files
  if (ssh_keys != "") printf "mkdir -p /root/.ssh\nchmod 700 /root/.ssh\n%schmod 600 /root/.ssh/authorized_keys\n", ssh_keys
  if (hostname != "") print "hostname " shell_quote(hostname)
  printf "%s", runcmd
}
