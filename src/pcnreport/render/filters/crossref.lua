-- Quarto-style figures, tables, cross-references and callouts for the pandoc path.
--
-- Numbers are NOT computed here: Python reads every chapter first (a reference may point at another
-- chapter) and passes the table as JSON in the metadata field `pcn-xref`:
--   { format = "html"|"typst", targets = { ["fig-x"] = { label = "Figure 6.1", number = "6.1", href = "..." } } }
-- This filter must run before --citeproc, which would otherwise read `@fig-x` as a missing citation.

local xref = {}
local format = "html"

local function is_xref_id(id)
  return id:match("^fig%-") or id:match("^tbl%-") or id:match("^sec%-")
end

-- "Figure 6.1: " + caption inlines, as Quarto writes captions.
local function numbered_caption(id, inlines)
  local t = xref.targets[id]
  if not t then return inlines end
  local out = pandoc.Inlines({ pandoc.Str(t.label .. ":"), pandoc.Space() })
  out:extend(inlines)
  return out
end

local function caption_inlines(blocks)
  local inlines = pandoc.Inlines({})
  for i, b in ipairs(blocks) do
    if b.content then
      if i > 1 then inlines:insert(pandoc.Space()) end
      inlines:extend(b.content)
    end
  end
  return inlines
end

-- Quarto's `fig-alt` becomes the images' alt text; a figure of raw HTML (a chart) gets it as aria-label.
local function apply_alt(fig, alt)
  if not alt then return fig end
  local found = false
  fig = fig:walk({
    Image = function(img)
      found = true
      img.attributes["fig-alt"] = nil
      if format == "html" then img.attributes["alt"] = alt end
      return img
    end,
  })
  if not found and format == "html" then fig.attributes["aria-label"] = alt end
  return fig
end

-- `::: {#fig-x}`/`::: {#tbl-x}`: the last paragraph is the caption, the rest is the content.
local function figure_div(div)
  local id = div.identifier
  if not (id:match("^fig%-") or id:match("^tbl%-")) then return nil end
  local blocks = div.content
  local caption = {}
  if #blocks > 1 and (blocks[#blocks].t == "Para" or blocks[#blocks].t == "Plain") then
    caption = blocks[#blocks].content
    blocks = pandoc.Blocks({ table.unpack(blocks, 1, #blocks - 1) })
  end
  local alt = div.attributes["fig-alt"]
  div.attributes["fig-alt"] = nil
  local classes = div.classes
  classes:insert("quarto-float")
  local fig = pandoc.Figure(blocks, { pandoc.Plain(numbered_caption(id, caption)) },
    pandoc.Attr(id, classes, div.attributes))
  return apply_alt(fig, alt)
end

local function figure(fig)
  local id = fig.identifier
  if not id:match("^fig%-") then return nil end
  local alt = nil
  fig:walk({ Image = function(img) alt = alt or img.attributes["fig-alt"] end })
  fig.caption.long = { pandoc.Plain(numbered_caption(id, caption_inlines(fig.caption.long))) }
  return apply_alt(fig, alt)
end

local function tbl(t)
  if not t.identifier:match("^tbl%-") then return nil end
  t.caption.long = { pandoc.Plain(numbered_caption(t.identifier, caption_inlines(t.caption.long))) }
  return t
end

-- `@fig-x` / `[@fig-x]` -> a link "Figure 6.1"; `[-@fig-x]` -> "6.1". Other keys stay citations.
local function cite(c)
  local out = pandoc.Inlines({})
  local rest = {}
  for _, citation in ipairs(c.citations) do
    local id = citation.id
    local t = xref.targets[id]
    if t then
      if #out > 0 then out:insert(pandoc.Str(",")); out:insert(pandoc.Space()) end
      out:extend(citation.prefix)
      if #citation.prefix > 0 then out:insert(pandoc.Space()) end
      local text = citation.mode == "SuppressAuthor" and t.number or t.label
      -- A non-breaking space keeps "Figure" and its number on one line.
      text = text:gsub(" ", "\u{a0}")
      out:insert(pandoc.Link(text, t.href, "", pandoc.Attr("", { "quarto-xref" })))
      out:extend(citation.suffix)
    elseif is_xref_id(id) then
      -- Python checks references before running pandoc; this is a guard, never the usual path.
      error("unknown cross-reference @" .. id)
    else
      table.insert(rest, citation)
    end
  end
  if #out == 0 then return nil end
  if #rest > 0 then
    out:insert(pandoc.Space())
    out:insert(pandoc.Cite({}, rest))
  end
  return out
end

local CALLOUT_TITLES = { note = "Note", warning = "Warning", important = "Important", tip = "Tip", caution = "Caution" }

local function callout(div)
  local kind = nil
  for _, cls in ipairs(div.classes) do
    local k = cls:match("^callout%-(%a+)$")
    if k and CALLOUT_TITLES[k] then kind = k end
  end
  if not kind then return nil end
  local content = div.content
  local title = nil
  if div.attributes["title"] then
    title = pandoc.Inlines(div.attributes["title"])
  elseif #content > 0 and content[1].t == "Header" then
    title = content[1].content
    content = pandoc.Blocks({ table.unpack(content, 2) })
  end
  title = title or pandoc.Inlines(CALLOUT_TITLES[kind])
  if format == "typst" then
    local title_typst = pandoc.write(pandoc.Pandoc({ pandoc.Plain(title) }), "typst"):gsub("%s+$", "")
    local out = pandoc.Blocks({ pandoc.RawBlock("typst",
      '#pcn-callout(kind: "' .. kind .. '", title: [' .. title_typst .. '])[') })
    out:extend(content)
    out:insert(pandoc.RawBlock("typst", "]"))
    return out
  end
  local role = (kind == "warning" or kind == "important" or kind == "caution") and "alert" or "note"
  return pandoc.Div({
    pandoc.Div(pandoc.Plain(title), pandoc.Attr("", { "callout-title" })),
    pandoc.Div(content, pandoc.Attr("", { "callout-body" })),
  }, pandoc.Attr(div.identifier, { "callout", "callout-" .. kind }, { role = role }))
end

return {
  {
    Meta = function(meta)
      local raw = meta["pcn-xref"]
      if raw then
        xref = pandoc.json.decode(pandoc.utils.stringify(raw), false)
        format = xref.format
        meta["pcn-xref"] = nil
      end
      xref.targets = xref.targets or {}
      return meta
    end,
  },
  {
    -- Figures and tables first (inner content is processed before the enclosing Div is replaced).
    Div = function(div) return figure_div(div) or callout(div) end,
    Figure = figure,
    Table = tbl,
    Cite = cite,
  },
}
