<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.28.0-Firenze" styleCategories="Symbology|MapTips">
  <renderer-v2 type="categorizedSymbol" attr="category" symbollevels="0" enableorderby="0" forceraster="0">
    <categories>
      <category symbol="0" value="exercise_area" label="Joint military exercise area" render="true" />
    </categories>
    <symbols>
      <symbol type="marker" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" pass="0" locked="0">
          <Option type="Map">
            <Option name="name" type="QString" value="circle" />
            <Option name="color" type="QString" value="240,228,66,217" />
            <Option name="outline_color" type="QString" value="51,51,51,255" />
            <Option name="outline_style" type="QString" value="solid" />
            <Option name="outline_width" type="QString" value="1.5" />
            <Option name="outline_width_unit" type="QString" value="Pixel" />
            <Option name="size" type="QString" value="12" />
            <Option name="size_unit" type="QString" value="Pixel" />
            <Option name="scale_method" type="QString" value="diameter" />
          </Option>
          <prop k="name" v="circle" />
          <prop k="color" v="240,228,66,217" />
          <prop k="outline_color" v="51,51,51,255" />
          <prop k="outline_style" v="solid" />
          <prop k="outline_width" v="1.5" />
          <prop k="outline_width_unit" v="Pixel" />
          <prop k="size" v="12" />
          <prop k="size_unit" v="Pixel" />
          <prop k="scale_method" v="diameter" />
        </layer>
      </symbol>
    </symbols>
    <source-symbol>
      <symbol type="marker" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" pass="0" locked="0">
          <Option type="Map">
            <Option name="name" type="QString" value="circle" />
            <Option name="color" type="QString" value="240,228,66,217" />
            <Option name="outline_color" type="QString" value="51,51,51,255" />
            <Option name="outline_style" type="QString" value="solid" />
            <Option name="outline_width" type="QString" value="1.5" />
            <Option name="outline_width_unit" type="QString" value="Pixel" />
            <Option name="size" type="QString" value="12" />
            <Option name="size_unit" type="QString" value="Pixel" />
            <Option name="scale_method" type="QString" value="diameter" />
          </Option>
          <prop k="name" v="circle" />
          <prop k="color" v="240,228,66,217" />
          <prop k="outline_color" v="51,51,51,255" />
          <prop k="outline_style" v="solid" />
          <prop k="outline_width" v="1.5" />
          <prop k="outline_width_unit" v="Pixel" />
          <prop k="size" v="12" />
          <prop k="size_unit" v="Pixel" />
          <prop k="scale_method" v="diameter" />
        </layer>
      </symbol>
    </source-symbol>
    <rotation />
    <sizescale />
  </renderer-v2>
  <mapTip>[% "name" %]</mapTip>
  <previewExpression>"name"</previewExpression>
  <layerGeometryType>0</layerGeometryType>
</qgis>
