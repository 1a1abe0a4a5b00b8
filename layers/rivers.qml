<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.28.0-Firenze" styleCategories="Symbology|MapTips">
  <renderer-v2 type="categorizedSymbol" attr="category" symbollevels="0" enableorderby="0" forceraster="0">
    <categories>
      <category symbol="0" value="river" label="River" render="true" />
    </categories>
    <symbols>
      <symbol type="line" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" pass="0" locked="0">
          <Option type="Map">
            <Option name="line_color" type="QString" value="60,141,197,230" />
            <Option name="line_style" type="QString" value="solid" />
            <Option name="line_width" type="QString" value="1.5" />
            <Option name="line_width_unit" type="QString" value="Pixel" />
            <Option name="capstyle" type="QString" value="round" />
            <Option name="joinstyle" type="QString" value="round" />
            <Option name="use_custom_dash" type="QString" value="0" />
            <Option name="customdash" type="QString" value="5;2" />
            <Option name="customdash_unit" type="QString" value="Pixel" />
          </Option>
          <prop k="line_color" v="60,141,197,230" />
          <prop k="line_style" v="solid" />
          <prop k="line_width" v="1.5" />
          <prop k="line_width_unit" v="Pixel" />
          <prop k="capstyle" v="round" />
          <prop k="joinstyle" v="round" />
          <prop k="use_custom_dash" v="0" />
          <prop k="customdash" v="5;2" />
          <prop k="customdash_unit" v="Pixel" />
        </layer>
      </symbol>
    </symbols>
    <source-symbol>
      <symbol type="line" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" pass="0" locked="0">
          <Option type="Map">
            <Option name="line_color" type="QString" value="60,141,197,230" />
            <Option name="line_style" type="QString" value="solid" />
            <Option name="line_width" type="QString" value="1.5" />
            <Option name="line_width_unit" type="QString" value="Pixel" />
            <Option name="capstyle" type="QString" value="round" />
            <Option name="joinstyle" type="QString" value="round" />
            <Option name="use_custom_dash" type="QString" value="0" />
            <Option name="customdash" type="QString" value="5;2" />
            <Option name="customdash_unit" type="QString" value="Pixel" />
          </Option>
          <prop k="line_color" v="60,141,197,230" />
          <prop k="line_style" v="solid" />
          <prop k="line_width" v="1.5" />
          <prop k="line_width_unit" v="Pixel" />
          <prop k="capstyle" v="round" />
          <prop k="joinstyle" v="round" />
          <prop k="use_custom_dash" v="0" />
          <prop k="customdash" v="5;2" />
          <prop k="customdash_unit" v="Pixel" />
        </layer>
      </symbol>
    </source-symbol>
    <rotation />
    <sizescale />
  </renderer-v2>
  <mapTip>[% "name" %]</mapTip>
  <previewExpression>"name"</previewExpression>
  <layerGeometryType>1</layerGeometryType>
</qgis>
