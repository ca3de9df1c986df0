<?xml version="1.0" encoding="UTF-8"?>
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:a="http://www.w3.org/2005/Atom"
    xmlns:fh="http://purl.org/syndication/history/1.0"
    exclude-result-prefixes="a fh">
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:variable name="title" select="/a:feed/a:title | /rss/channel/title"/>
  <xsl:variable name="about" select="/a:feed/a:subtitle | /rss/channel/description"/>
  <xsl:variable name="self" select="(/a:feed/a:link[@rel='self'] | /rss/channel/a:link[@rel='self'])[1]/@href"/>
  <xsl:variable name="page" select="(/a:feed/a:link[@rel='alternate']/@href | /rss/channel/link)[1]"/>
  <xsl:variable name="older" select="(/a:feed/a:link[@rel='prev-archive'] | /rss/channel/a:link[@rel='prev-archive'])[1]/@href"/>

  <xsl:template match="/">
    <html lang="{/a:feed/@xml:lang | /rss/channel/language}">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title><xsl:value-of select="$title"/> (nguồn tin)</title>
        <style>
          body { font: 1rem/1.5 system-ui, sans-serif; max-width: 46rem; margin: 1.5rem auto; padding: 0 1rem; color: #1b1b1b; background: #fff; }
          .about-feed { background: #eef4fb; border-radius: 6px; padding: .8rem 1rem; }
          .address { font-family: ui-monospace, monospace; word-break: break-all; background: #fff; padding: .15rem .35rem; border-radius: 3px; }
          ol { padding: 0; list-style: none; }
          li { border-top: 1px solid #ddd; padding: .6rem 0; }
          .when { color: #5f5f5f; font-size: .9rem; }
          @media (prefers-color-scheme: dark) {
            body { color: #e8e8e8; background: #161616; }
            .about-feed { background: #1f2a36; }
            .address { background: #161616; }
            li { border-color: #333; }
            .when { color: #a8a8a8; }
            a { color: #8cb4ff; }
          }
        </style>
      </head>
      <body>
        <h1><bdi><xsl:value-of select="$title"/></bdi></h1>
        <p><bdi><xsl:value-of select="$about"/></bdi></p>
        <section class="about-feed" id="what-is-this">
          <h2>Đây là một nguồn tin</h2>
          <p>
            Nguồn tin giúp một trình đọc tin theo dõi dòng thời gian này thay bạn: nó hiện từng sự kiện mới hoặc được sửa chữa ngay khi được đăng. Để đăng ký theo dõi, hãy sao chép địa chỉ này vào trình đọc tin của bạn (newsboat, Thunderbird, NetNewsWire, Feedly, Inoreader, ...):
          </p>
          <p><span class="address"><xsl:value-of select="$self"/></span></p>
          <p>
            <xsl:if test="/a:feed/fh:archive | /rss/channel/fh:archive">
              Trang này lưu các mục cũ hơn: nó không thay đổi, nên không cần đăng ký theo dõi. </xsl:if>
            <a href="{$page}">Trang riêng của dòng thời gian</a> có mọi sự kiện, cách đăng ký theo dõi lịch của nó, và một nguồn tin cho mỗi thẻ.
          </p>
        </section>
        <h2>Trong nguồn tin này</h2>
        <ol>
          <xsl:apply-templates select="/a:feed/a:entry | /rss/channel/item"/>
        </ol>
        <xsl:if test="$older">
          <p><a href="{$older}">Các mục cũ hơn</a></p>
        </xsl:if>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="a:entry">
    <li>
      <h3><a href="{a:link/@href}"><bdi><xsl:value-of select="a:title"/></bdi></a></h3>
      <p class="when">Cập nhật <time datetime="{a:updated}"><xsl:value-of select="a:updated"/></time></p>
      <p><bdi><xsl:value-of select="a:summary"/></bdi></p>
    </li>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <h3><a href="{link}"><bdi><xsl:value-of select="title"/></bdi></a></h3>
      <p class="when">Đăng lúc <xsl:value-of select="pubDate"/></p>
      <p><bdi><xsl:call-template name="unescaped"><xsl:with-param name="text" select="description"/></xsl:call-template></bdi></p>
    </li>
  </xsl:template>

  <xsl:template name="unescaped">
    <xsl:param name="text"/>
    <xsl:variable name="length" select="string-length($text)"/>
    <xsl:choose>
      <xsl:when test="not(contains($text, '&amp;'))"><xsl:value-of select="$text"/></xsl:when>
      <xsl:when test="$length &gt; 200">
        <xsl:variable name="middle" select="floor($length div 2)"/>
        <xsl:variable name="c1" select="substring($text, $middle, 1)"/>
        <xsl:variable name="c2" select="substring($text, $middle - 1, 1)"/>
        <xsl:variable name="c3" select="substring($text, $middle - 2, 1)"/>
        <xsl:variable name="c4" select="substring($text, $middle - 3, 1)"/>
        <xsl:variable name="cut">
          <xsl:choose>
            <xsl:when test="$c1 = '&amp;'"><xsl:value-of select="$middle - 1"/></xsl:when>
            <xsl:when test="$c1 = ';'"><xsl:value-of select="$middle"/></xsl:when>
            <xsl:when test="$c2 = '&amp;'"><xsl:value-of select="$middle - 2"/></xsl:when>
            <xsl:when test="$c2 = ';'"><xsl:value-of select="$middle"/></xsl:when>
            <xsl:when test="$c3 = '&amp;'"><xsl:value-of select="$middle - 3"/></xsl:when>
            <xsl:when test="$c3 = ';'"><xsl:value-of select="$middle"/></xsl:when>
            <xsl:when test="$c4 = '&amp;'"><xsl:value-of select="$middle - 4"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="$middle"/></xsl:otherwise>
          </xsl:choose>
        </xsl:variable>
        <xsl:call-template name="unescaped"><xsl:with-param name="text" select="substring($text, 1, $cut)"/></xsl:call-template>
        <xsl:call-template name="unescaped"><xsl:with-param name="text" select="substring($text, $cut + 1)"/></xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="substring-before($text, '&amp;')"/>
        <xsl:variable name="rest" select="substring-after($text, '&amp;')"/>
        <xsl:choose>
          <xsl:when test="starts-with($rest, 'amp;')">&amp;<xsl:call-template name="unescaped"><xsl:with-param name="text" select="substring($rest, 5)"/></xsl:call-template></xsl:when>
          <xsl:when test="starts-with($rest, 'lt;')">&lt;<xsl:call-template name="unescaped"><xsl:with-param name="text" select="substring($rest, 4)"/></xsl:call-template></xsl:when>
          <xsl:when test="starts-with($rest, 'gt;')">&gt;<xsl:call-template name="unescaped"><xsl:with-param name="text" select="substring($rest, 4)"/></xsl:call-template></xsl:when>
          <xsl:otherwise>&amp;<xsl:call-template name="unescaped"><xsl:with-param name="text" select="$rest"/></xsl:call-template></xsl:otherwise>
        </xsl:choose>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
