<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.28.0-Firenze" styleCategories="Symbology|MapTips">
  <renderer-v2 type="categorizedSymbol" attr="category" symbollevels="0" enableorderby="0" forceraster="0">
    <categories>
      <category symbol="0" value="country" label="Country" render="true" />
    </categories>
    <symbols>
      <symbol type="fill" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleFill" enabled="1" pass="0" locked="0">
          <Option type="Map">
            <Option name="color" type="QString" value="238,238,238,153" />
            <Option name="style" type="QString" value="solid" />
            <Option name="outline_color" type="QString" value="136,136,136,255" />
            <Option name="outline_style" type="QString" value="solid" />
            <Option name="outline_width" type="QString" value="1" />
            <Option name="outline_width_unit" type="QString" value="Pixel" />
            <Option name="joinstyle" type="QString" value="round" />
          </Option>
          <prop k="color" v="238,238,238,153" />
          <prop k="style" v="solid" />
          <prop k="outline_color" v="136,136,136,255" />
          <prop k="outline_style" v="solid" />
          <prop k="outline_width" v="1" />
          <prop k="outline_width_unit" v="Pixel" />
          <prop k="joinstyle" v="round" />
        </layer>
      </symbol>
    </symbols>
    <source-symbol>
      <symbol type="fill" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleFill" enabled="1" pass="0" locked="0">
          <Option type="Map">
            <Option name="color" type="QString" value="238,238,238,153" />
            <Option name="style" type="QString" value="solid" />
            <Option name="outline_color" type="QString" value="136,136,136,255" />
            <Option name="outline_style" type="QString" value="solid" />
            <Option name="outline_width" type="QString" value="1" />
            <Option name="outline_width_unit" type="QString" value="Pixel" />
            <Option name="joinstyle" type="QString" value="round" />
          </Option>
          <prop k="color" v="238,238,238,153" />
          <prop k="style" v="solid" />
          <prop k="outline_color" v="136,136,136,255" />
          <prop k="outline_style" v="solid" />
          <prop k="outline_width" v="1" />
          <prop k="outline_width_unit" v="Pixel" />
          <prop k="joinstyle" v="round" />
        </layer>
      </symbol>
    </source-symbol>
    <rotation />
    <sizescale />
  </renderer-v2>
  <mapTip>[% "name" %]</mapTip>
  <previewExpression>"name"</previewExpression>
  <layerGeometryType>2</layerGeometryType>
</qgis>
